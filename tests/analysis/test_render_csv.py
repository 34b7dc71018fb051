"""The CSV export, read back with the csv module."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable

import pytest

from analysis import render
from analysis.render.csv_render import COLUMNS, safe_cell
from analysis.schema import Report
from tests.analysis.render_samples import FORMULA, HOSTILE, SHA, document_report, media_report


def rows(report: Report) -> tuple[bytes, list[dict[str, str]]]:
    data = render(report, "csv")
    assert isinstance(data, bytes)
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return data, list(reader)


@pytest.mark.parametrize("build", [document_report, media_report])
def test_utf8_bom_crlf_and_one_row_per_mention_event_and_flag(build: Callable[[], Report]) -> None:
    report = build()
    data, records = rows(report)
    assert data.startswith(b"\xef\xbb\xbfrecord,name,type,")
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    kinds = [r["record"] for r in records]
    assert kinds.count("entity_mention") == sum(len(e.mentions) for e in report.entities)
    assert kinds.count("event") == len(report.timeline)
    assert kinds.count("flag") == len(report.flags)
    assert all(None not in r and len(r) == len(COLUMNS) for r in records)
    assert {r["sha256"] for r in records} == {SHA}


def test_document_rows_carry_pages_and_media_rows_seconds() -> None:
    _, doc = rows(document_report())
    first = doc[0]
    assert (first["page_start"], first["page_end"], first["start_s"]) == ("1", "1", "")
    assert [r["page_end"] for r in doc if r["record"] == "entity_mention"] == ["1", "5", "3"]
    _, media = rows(media_report())
    assert (media[0]["start_s"], media[0]["end_s"], media[0]["page_start"]) == (
        "1.000",
        "3.000",
        "",
    )


def test_formulas_are_neutralised_and_other_text_kept() -> None:
    _, records = rows(document_report())
    names = [r["name"] for r in records if r["record"] == "entity_mention"]
    assert "'" + FORMULA in names
    quotes = {r["quote"] for r in records}
    assert {"'-1+2", "'" + FORMULA, "'+later"} <= quotes
    event = next(r for r in records if r["record"] == "event")
    assert event["text"] == HOSTILE.replace("\x14", "").replace("\x00", "").replace("\x07", "")
    flag = next(r for r in records if r["type"] == "privilege")
    assert (flag["subtype"], flag["reason"]) == ("attorney_client", "adv")


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_safe_cell_prefixes_formula_starts(text: str) -> None:
    assert safe_cell(text) == "'" + text


def test_safe_cell_keeps_plain_text() -> None:
    assert safe_cell("a=b, c-d") == "a=b, c-d"
    assert safe_cell("x\x00y") == "xy"
