"""Small helpers shared by the export renderers (html, csv, dat, opt, pbcore).

Identifiers are derived from the file's SHA-256 so the same file always gets the same ones,
whichever job produced the report: the control number is `LF` plus the first 8 hex digits,
upper-case (`LFABABABAB`), and page `n` of a document is `LFABABABAB-000001`-style (the
Bates-like image key the DAT and OPT files share).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from analysis.schema import Entity, Flag, Report, Source
from ingest.types import Span

# A keyframe is linked only when its name is a plain file name: no path, no scheme, no "..".
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
# Characters XML 1.0 cannot carry at all (C0 controls but tab/LF/CR, surrogates, U+FFFE/F).
_NOT_HEX = re.compile(r"[^0-9A-Fa-f]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def plain_file_name(name: str | None) -> bool:
    """True for a bare file name such as `c0-kf-0001.jpg`, safe to put after `keyframes/`."""
    return bool(name) and _FILE_NAME.fullmatch(name or "") is not None and ".." not in (name or "")


def timecode(seconds: float) -> str:
    """'HH:MM:SS.mmm' (milliseconds rounded), the form PBCore and the DAT file use."""
    ms = max(0, round(seconds * 1000))
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


def sha_prefix(source: Source, digits: int) -> str:
    """The first `digits` hex digits of the file's SHA-256, lower-case (only hex survives)."""
    return _NOT_HEX.sub("", source.sha256)[:digits].lower()


def control_number(source: Source) -> str:
    """The document's control number: `LF` + the first 8 hex digits of its SHA-256."""
    return "LF" + sha_prefix(source, 8).upper()


def page_key(source: Source, page: int) -> str:
    """The image key (Bates-like number) of one page: `<control number>-<page:06d>`."""
    return f"{control_number(source)}-{page:06d}"


def flag_label(flag: Flag) -> str:
    """'kind:subtype', e.g. 'pii:email' or 'privilege:attorney_client'."""
    return f"{flag.kind}:{flag.subtype}"


def xml_text(text: str) -> str:
    """Text with the characters XML 1.0 forbids removed (ElementTree would write them as is)."""
    return _NOT_XML.sub("", text)


def entities_in(report: Report, span: Span | None = None) -> list[Entity]:
    """Entities with at least one mention overlapping `span` (all of them when None)."""
    if span is None:
        return list(report.entities)
    return [e for e in report.entities if any(m.span.overlaps(span) for m in e.mentions)]


def flags_in(report: Report, span: Span | None = None) -> list[Flag]:
    """Flags overlapping `span` (all of them when None)."""
    return [f for f in report.flags if span is None or f.span.overlaps(span)]


def unique(values: Iterable[str]) -> list[str]:
    """Values in first-seen order without repeats."""
    return list(dict.fromkeys(values))
