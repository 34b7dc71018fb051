"""Decide what a file is from its first bytes, never from its name or a client's claim."""

from __future__ import annotations

from pathlib import Path

from ingest.types import MediaType

SNIFF_BYTES = 4096

_QUICKTIME_BRANDS = {b"qt  "}
_M4A_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
# Top-level atoms that open old QuickTime files written before `ftyp` existed.
_QUICKTIME_ATOMS = {b"moov", b"mdat", b"wide", b"pnot"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"
_EBML_DOCTYPE = b"\x42\x82"


def sniff_media_type(head: bytes) -> MediaType | None:
    """The media type announced by the magic bytes at the start of a file, or None if unknown."""
    if not head:
        return None
    if b"%PDF-" in head[:1024]:
        return MediaType.PDF
    for sniffer in (_iso_bmff, _ebml, _riff, _simple_magic, _audio_frames):
        found = sniffer(head)
        if found is not None:
            return found
    return None


def sniff_file(path: Path | str) -> MediaType | None:
    """`sniff_media_type` on the first 4 KiB of the file at `path`."""
    with Path(path).open("rb") as handle:
        return sniff_media_type(handle.read(SNIFF_BYTES))


def _iso_bmff(head: bytes) -> MediaType | None:
    """MP4, M4A and QuickTime: an `ftyp` box whose major brand names the family."""
    box = head[4:8]
    if box == b"ftyp" and len(head) >= 12:
        brand = head[8:12]
        if brand in _QUICKTIME_BRANDS:
            return MediaType.QUICKTIME
        if brand in _M4A_BRANDS:
            return MediaType.M4A
        return MediaType.MP4
    if box in _QUICKTIME_ATOMS:
        return MediaType.QUICKTIME
    return None


def _ebml(head: bytes) -> MediaType | None:
    """Matroska and WebM share the EBML header; its DocType element tells them apart."""
    if not head.startswith(_EBML_MAGIC):
        return None
    at = head.find(_EBML_DOCTYPE, 4, 128)
    if at < 0 or at + 3 > len(head):
        return MediaType.MATROSKA
    size_byte = head[at + 2]
    width = 9 - size_byte.bit_length()  # EBML variable-size integer: leading 1 bit marks its width
    if not 1 <= width <= 8:
        return MediaType.MATROSKA
    size = int.from_bytes(head[at + 2 : at + 2 + width], "big") & ((1 << (7 * width)) - 1)
    start = at + 2 + width
    doctype = head[start : start + size].rstrip(b"\x00")
    return MediaType.WEBM if doctype == b"webm" else MediaType.MATROSKA


def _riff(head: bytes) -> MediaType | None:
    if head[:4] not in (b"RIFF", b"RF64", b"BW64") or len(head) < 12:
        return None
    form = head[8:12]
    if form == b"WAVE":
        return MediaType.WAV
    if form == b"AVI " and head[:4] == b"RIFF":
        return MediaType.AVI
    return None


def _simple_magic(head: bytes) -> MediaType | None:
    if head.startswith(b"fLaC"):
        return MediaType.FLAC
    if head.startswith(b"OggS"):
        return MediaType.OGG
    if head.startswith(b"ID3"):
        return _after_id3(head)
    return None


def _after_id3(head: bytes) -> MediaType:
    """An ID3 tag usually fronts MP3, but FLAC and ADTS AAC files sometimes carry one too."""
    if len(head) >= 10:
        size = 0
        for byte in head[6:10]:  # "syncsafe": 7 bits per byte
            size = (size << 7) | (byte & 0x7F)
        end = 10 + size + (10 if head[5] & 0x10 else 0)
        rest = head[end:]
        if rest.startswith(b"fLaC"):
            return MediaType.FLAC
        if _audio_frames(rest) is MediaType.AAC:
            return MediaType.AAC
    return MediaType.MP3


def _audio_frames(head: bytes) -> MediaType | None:
    """Headerless streams: an MPEG audio frame (MP3) or an ADTS frame (AAC) right at the start."""
    if len(head) < 3 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    layer = (head[1] >> 1) & 0b11
    if layer == 0:  # ADTS: 12-bit sync, layer always 00
        return MediaType.AAC if head[1] & 0xF0 == 0xF0 else None
    version = (head[1] >> 3) & 0b11
    bitrate = head[2] >> 4
    sample_rate = (head[2] >> 2) & 0b11
    if version == 0b01 or bitrate == 0b1111 or sample_rate == 0b11:
        return None  # reserved values: not a real frame header
    return MediaType.MP3
