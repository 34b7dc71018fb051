"""Media types from magic bytes: each header is built here, byte by byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures.pdfgen import make_text_pdf
from ingest.sniff import sniff_file, sniff_media_type
from ingest.types import MediaType


def _ftyp(brand: bytes) -> bytes:
    return b"\x00\x00\x00\x20ftyp" + brand + b"\x00\x00\x02\x00" + brand + b"isom" + b"\x00" * 8


def _ebml(doctype: bytes) -> bytes:
    body = b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
    body += b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype + b"\x42\x87\x81\x04"
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body + b"\x18\x53\x80\x67"


def _riff(form: bytes, magic: bytes = b"RIFF") -> bytes:
    return magic + (1000).to_bytes(4, "little") + form + b"fmt \x10\x00\x00\x00"


def _id3(then: bytes) -> bytes:
    return b"ID3\x04\x00\x00\x00\x00\x00\x0a" + b"\x00" * 10 + then


MP3_FRAME = b"\xff\xfb\x90\x64" + b"\x00" * 60
ADTS_FRAME = b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 60

CASES = [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", MediaType.PDF),
    (b"\xef\xbb\xbfjunk before the header\n%PDF-1.4\n", MediaType.PDF),
    (_ftyp(b"isom"), MediaType.MP4),
    (_ftyp(b"mp42"), MediaType.MP4),
    (_ftyp(b"qt  "), MediaType.QUICKTIME),
    (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", MediaType.QUICKTIME),
    (_ftyp(b"M4A "), MediaType.M4A),
    (_ebml(b"matroska"), MediaType.MATROSKA),
    (_ebml(b"webm"), MediaType.WEBM),
    (_riff(b"AVI "), MediaType.AVI),
    (_riff(b"WAVE"), MediaType.WAV),
    (_riff(b"WAVE", b"RF64"), MediaType.WAV),
    (_id3(MP3_FRAME), MediaType.MP3),
    (MP3_FRAME, MediaType.MP3),
    (b"fLaC\x00\x00\x00\x22" + b"\x00" * 34, MediaType.FLAC),
    (_id3(b"fLaC\x00\x00\x00\x22"), MediaType.FLAC),
    (b"OggS\x00\x02" + b"\x00" * 20, MediaType.OGG),
    (ADTS_FRAME, MediaType.AAC),
    (_id3(ADTS_FRAME), MediaType.AAC),
]


@pytest.mark.parametrize(("head", "expected"), CASES)
def test_sniff_known_types(head: bytes, expected: MediaType) -> None:
    assert sniff_media_type(head) is expected


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"hello, world",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"PK\x03\x04\x14\x00",
        b"\xff\xff\xff\xff",  # frame sync with reserved bitrate/sample-rate bits
        b"RIFF\x00\x00\x00\x00WEBPVP8 ",
        b"\x00" * 1100 + b"%PDF-1.7",  # the PDF marker must be in the first KiB
    ],
)
def test_sniff_unknown_is_none(head: bytes) -> None:
    assert sniff_media_type(head) is None


def test_sniff_file(tmp_path: Path) -> None:
    pdf = make_text_pdf(tmp_path / "doc.bin", ["hello"])
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    wav = tmp_path / "clip.pdf"  # the name lies; the bytes decide
    wav.write_bytes(_riff(b"WAVE"))
    assert sniff_file(pdf) is MediaType.PDF
    assert sniff_file(empty) is None
    assert sniff_file(str(wav)) is MediaType.WAV
