"""Concordance DAT load file: one record for the file, then one per section (or chunk).

Format: UTF-8 with a byte-order mark, CRLF line ends, a header row of field names, every value
wrapped in þ (U+00FE) and values separated by ASCII 20 (U+0014); multi-value fields (ENTITIES,
FLAGS, GAPS) separate their values with ® (U+00AE).

Values are cleaned, not escaped, because the format has no escape: þ, ASCII 20 and ® are
removed. Newlines (and every other control character) become one space. Some tools write
newlines as ®, but ® is this file's multi-value separator, so a newline cannot be ® here; long
text (SUMMARY) therefore loads as one paragraph. Runs of whitespace collapse to one space.

Records. A reviewer loading this wants one document per file, so the first record is the whole
file (RECORDTYPE `DOCUMENT`, DOCID = the control number `LF` + the first 8 hex digits of the
SHA-256). Then one `SECTION` record per report section (DOCID `<control>.S0001`…, PARENTID =
the document's DOCID) carrying only the entities and flags found inside that span, so a long
production can be reviewed and coded section by section; a report without sections gets one
`CHUNK` record per processed chunk instead (chunks may overlap by design). To load documents
only, filter on RECORDTYPE = DOCUMENT; DOCID is unique on every record and is the identifier
to load on.

BEGBATES/ENDBATES are page image keys (`LFABABABAB-000001`) of a document's first and last page
in the span, the same keys as the OPT file, whose page images are not exported yet (see
`opt`). Media have no pages: BEGBATES/ENDBATES stay empty and BEGTIME/ENDTIME hold
`HH:MM:SS.mmm`. PRIVILEGE and PII are Y when a flag of that kind lies in the record's span.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

from analysis.render._common import (
    control_number,
    entities_in,
    flag_label,
    flags_in,
    page_key,
    timecode,
    unique,
)
from analysis.schema import Report
from ingest.types import Span

QUOTE: Final = "\u00fe"  # þ
DELIMITER: Final = "\x14"
MULTI: Final = "\u00ae"  # ®
FIELDS: Final = (
    "DOCID",
    "PARENTID",
    "RECORDTYPE",
    "BEGBATES",
    "ENDBATES",
    "BEGTIME",
    "ENDTIME",
    "PAGECOUNT",
    "DURATION",
    "TITLE",
    "FILENAME",
    "MEDIATYPE",
    "FILESIZE",
    "SHA256",
    "ENTITIES",
    "FLAGS",
    "PRIVILEGE",
    "PII",
    "GAPS",
    "SUMMARY",
)
_RESERVED = re.compile(f"[{QUOTE}{DELIMITER}{MULTI}]")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")

Record = dict[str, str | list[str]]


def render_dat(report: Report) -> bytes:
    lines = [_line(FIELDS)]
    lines += [_line(_cells(record)) for record in _records(report)]
    return ("\ufeff" + "".join(line + "\r\n" for line in lines)).encode("utf-8")


def clean(text: str) -> str:
    """A value the DAT format can carry: reserved characters removed, one line."""
    return _SPACE.sub(" ", _RESERVED.sub("", text)).strip()


def _line(values: Iterable[str]) -> str:
    return DELIMITER.join(f"{QUOTE}{value}{QUOTE}" for value in values)


def _cells(record: Record) -> list[str]:
    def cell(value: str | list[str]) -> str:
        if isinstance(value, str):
            return clean(value)
        return MULTI.join(unique(v for v in map(clean, value) if v))

    return [cell(record.get(field, "")) for field in FIELDS]


def _records(report: Report) -> list[Record]:
    control = control_number(report.source)
    summary = report.summary or " ".join(s.text for s in report.summary_sentences)
    head = {"DOCID": control, "RECORDTYPE": "DOCUMENT", "TITLE": report.source.filename}
    records = [_record(report, None, _extent(report), head | {"SUMMARY": summary})]
    for number, section in enumerate(report.sections, 1):
        head = {"DOCID": f"{control}.S{number:04d}", "PARENTID": control}
        head |= {"RECORDTYPE": "SECTION", "TITLE": section.title, "SUMMARY": section.summary}
        records.append(_record(report, section.span, section.span, head))
    if not report.sections:
        for chunk in report.processing.chunks:
            head = {"DOCID": f"{control}.C{chunk.index:04d}", "PARENTID": control}
            head |= {"RECORDTYPE": "CHUNK", "TITLE": f"Chunk {chunk.index} ({chunk.status})"}
            records.append(_record(report, chunk.span, chunk.span, head))
    return records


def _record(
    report: Report, scope: Span | None, where: Span | None, head: Mapping[str, str]
) -> Record:
    """`head` (ids, title, summary) plus what lies within `scope` (None: the whole file)."""
    src = report.source
    flags = flags_in(report, scope)
    gaps = [g for g in report.coverage.gaps if scope is None or g.span.overlaps(scope)]
    record: Record = {
        "FILENAME": src.filename,
        "MEDIATYPE": src.media_type,
        "FILESIZE": str(src.size_bytes),
        "SHA256": src.sha256,
        "ENTITIES": [e.name for e in entities_in(report, scope)],
        "FLAGS": [flag_label(f) for f in flags],
        "PRIVILEGE": "Y" if any(f.kind == "privilege" for f in flags) else "N",
        "PII": "Y" if any(f.kind == "pii" for f in flags) else "N",
        "GAPS": [f"{g.span.label()}: {g.reason}" for g in gaps],
    }
    return {**head, **record, **_where(report, where)}


def _where(report: Report, span: Span | None) -> Record:
    if span is None:
        return {}
    if span.page_start is not None and span.page_end is not None:
        return {
            "BEGBATES": page_key(report.source, span.page_start),
            "ENDBATES": page_key(report.source, span.page_end),
            "PAGECOUNT": str(span.page_end - span.page_start + 1),
        }
    start, end = span.sort_key()
    return {
        "BEGTIME": timecode(start),
        "ENDTIME": timecode(end),
        "DURATION": timecode(end - start),
    }


def _extent(report: Report) -> Span | None:
    """The whole file: its pages or duration, else what the coverage spans reach."""
    src = report.source
    if src.pages:
        return Span.pages(1, src.pages)
    if src.duration_s is not None:
        return Span.seconds(0.0, src.duration_s)
    spans = [*report.coverage.analyzed, *(g.span for g in report.coverage.gaps)]
    if not spans:
        return None
    if spans[0].is_pages:
        return Span.pages(1, max(s.page_end or 1 for s in spans))
    return Span.seconds(0.0, max(s.sort_key()[1] for s in spans))
