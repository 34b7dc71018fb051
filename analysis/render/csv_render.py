"""CSV of entities, timeline and flags: one row per mention, event or flag.

RFC 4180 (comma, double-quote qualifier, CRLF), UTF-8 with a byte-order mark so Excel opens it
as UTF-8. The `record` column says what a row is (`entity_mention`, `event`, `flag`); a row
fills the columns that apply to it and leaves the others empty. Locations are `page_start`/
`page_end` for documents and `start_s`/`end_s` (seconds, 3 decimals) for media. `sha256`
names the source file on every row, so CSVs of several files can be concatenated.

Spreadsheet formula injection: a text cell starting with `=`, `+`, `-`, `@`, tab or carriage
return gets a leading `'`, so Excel, LibreOffice and Sheets show it as text instead of
evaluating it. Numbers we write ourselves are never prefixed. Control characters other than
tab, CR and LF are dropped (spreadsheets cannot show them; NUL breaks some readers); the rest is
verbatim, newlines included (quoted, as RFC 4180 allows).
"""

from __future__ import annotations

import csv
import io
import re
from typing import Final

from analysis.schema import Report
from ingest.types import Span

COLUMNS: Final = (
    "record",
    "name",
    "type",
    "subtype",
    "date",
    "date_text",
    "page_start",
    "page_end",
    "start_s",
    "end_s",
    "text",
    "quote",
    "reason",
    "sha256",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def render_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_rows(report))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def safe_cell(text: str) -> str:
    """Source text as a cell a spreadsheet will not evaluate (and without control characters)."""
    text = _CONTROL.sub("", text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _rows(report: Report) -> list[list[str]]:
    sha = report.source.sha256
    rows: list[list[str]] = []
    for entity in report.entities:
        for mention in entity.mentions:
            texts = {"name": entity.name, "type": entity.type, "quote": mention.quote}
            rows.append(_row("entity_mention", mention.span, texts, sha))
    for event in report.timeline:
        texts = {"date": event.date or "", "date_text": event.date_text, "text": event.text}
        rows.append(_row("event", event.span, texts | {"quote": event.quote}, sha))
    for flag in report.flags:
        texts = {"type": flag.kind, "subtype": flag.subtype, "quote": flag.quote}
        rows.append(_row("flag", flag.span, texts | {"reason": flag.reason}, sha))
    return rows


def _row(record: str, span: Span, texts: dict[str, str], sha256: str) -> list[str]:
    cells = {key: safe_cell(value) for key, value in texts.items()}
    cells |= {"record": record, "sha256": sha256} | _where(span)
    return [cells.get(column, "") for column in COLUMNS]


def _where(span: Span) -> dict[str, str]:
    if span.page_start is not None and span.page_end is not None:
        return {"page_start": str(span.page_start), "page_end": str(span.page_end)}
    start, end = span.sort_key()
    return {"start_s": f"{start:.3f}", "end_s": f"{end:.3f}"}
