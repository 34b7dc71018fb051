"""Concordance DAT and Opticon OPT load files, read back with the csv module and line by line."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

import pytest

from analysis import FormatNotApplicable, render
from analysis.schema import Report
from tests.analysis.render_samples import SHA, document_report, media_report

QUOTE, DELIMITER, MULTI = "\u00fe", "\x14", "\u00ae"
HEADER = ["DOCID", "PARENTID", "RECORDTYPE", "BEGBATES", "ENDBATES", "BEGTIME", "ENDTIME",
          "PAGECOUNT", "DURATION", "TITLE", "FILENAME", "MEDIATYPE", "FILESIZE", "SHA256",
          "ENTITIES", "FLAGS", "PRIVILEGE", "PII", "GAPS", "SUMMARY"]  # fmt: skip
TIMECODE = re.compile(r"\d{2}:\d{2}:\d{2}\.\d{3}")


def dat(report: Report) -> tuple[bytes, list[dict[str, str]]]:
    data = render(report, "dat")
    assert isinstance(data, bytes)
    text = data.decode("utf-8-sig")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITER, quotechar=QUOTE)
    header, *body = list(reader)
    assert header == HEADER
    for row in body:
        assert len(row) == len(header)
    return data, [dict(zip(header, row, strict=True)) for row in body]


@pytest.mark.parametrize("build", [document_report, media_report])
def test_dat_bytes_bom_crlf_and_every_value_qualified(build: Callable[[], Report]) -> None:
    data, records = dat(build())
    assert data.startswith("\ufeffþDOCIDþ\x14þPARENTIDþ".encode())
    lines = data.decode("utf-8-sig").split("\r\n")
    assert lines[-1] == "" and len(lines) == len(records) + 2
    for line in lines[:-1]:
        assert "\n" not in line and "\r" not in line
        fields = line.split(DELIMITER)
        assert len(fields) == len(HEADER)
        assert all(
            f.startswith(QUOTE) and f.endswith(QUOTE) and f.count(QUOTE) == 2 for f in fields
        )


def test_dat_document_record_then_sections() -> None:
    _, records = dat(document_report())
    doc, first, second = records
    assert (doc["DOCID"], doc["PARENTID"], doc["RECORDTYPE"]) == ("LF01234567", "", "DOCUMENT")
    assert (doc["BEGBATES"], doc["ENDBATES"], doc["PAGECOUNT"]) == (
        "LF01234567-000001",
        "LF01234567-000010",
        "10",
    )
    assert (doc["SHA256"], doc["FILESIZE"], doc["MEDIATYPE"]) == (SHA, "123456", "application/pdf")
    assert doc["ENTITIES"].split(MULTI) == [
        "John <script>alert(1)</script> Smith",
        '=HYPERLINK("http://evil.example","x")',
        "@SUM(A1)",
    ]
    assert doc["FLAGS"].split(MULTI) == ["pii:email", "privilege:attorney_client"]
    assert (doc["PRIVILEGE"], doc["PII"]) == ("Y", "Y")
    assert doc["GAPS"].startswith("pp. 5–6: <script>")
    assert doc["SUMMARY"].startswith("Summary <script>") and doc["SUMMARY"].endswith(" a b end")
    assert (first["DOCID"], first["PARENTID"], first["RECORDTYPE"]) == (
        "LF01234567.S0001",
        "LF01234567",
        "SECTION",
    )
    assert (first["BEGBATES"], first["ENDBATES"], first["PAGECOUNT"]) == (
        "LF01234567-000001",
        "LF01234567-000004",
        "4",
    )
    assert (first["PRIVILEGE"], first["PII"], first["GAPS"]) == ("N", "Y", "")
    assert second["FLAGS"] == "privilege:attorney_client" and second["PRIVILEGE"] == "Y"
    assert second["ENTITIES"] == ""  # nothing mentioned on pp. 7–10


def test_dat_values_are_cleaned_of_delimiters_and_newlines() -> None:
    _, records = dat(document_report())
    for record in records:
        for field, value in record.items():
            assert not re.search(f"[{QUOTE}{DELIMITER}\r\n\x00-\x1f]", value), field
            if field not in {"ENTITIES", "FLAGS", "GAPS"}:
                assert MULTI not in value, field
    summary = records[0]["SUMMARY"]
    assert "javascript:alert(1) a b end" in summary  # þ, ASCII 20, ® gone; newline → space


def test_dat_media_uses_times_and_no_bates() -> None:
    _, records = dat(media_report())
    doc, intro, later = records
    assert (doc["BEGTIME"], doc["ENDTIME"], doc["DURATION"]) == (
        "00:00:00.000",
        "01:01:40.250",
        "01:01:40.250",
    )
    assert doc["BEGBATES"] == doc["ENDBATES"] == doc["PAGECOUNT"] == ""
    assert (intro["BEGTIME"], intro["ENDTIME"]) == ("00:00:00.000", "00:30:00.000")
    assert later["ENTITIES"].split(MULTI) == ["John <script>alert(1)</script> Smith"]
    assert all(TIMECODE.fullmatch(r[f]) for r in records for f in ("BEGTIME", "ENDTIME"))


def test_dat_without_sections_has_a_record_per_chunk() -> None:
    report = document_report().model_copy(update={"sections": []})
    _, records = dat(report)
    assert [r["RECORDTYPE"] for r in records] == ["DOCUMENT", "CHUNK", "CHUNK", "CHUNK"]
    failed = records[2]
    assert failed["DOCID"] == "LF01234567.C0001" and failed["TITLE"] == "Chunk 1 (failed)"
    assert failed["GAPS"].startswith("pp. 5–6: ")


def test_opt_one_line_per_page_joined_to_the_dat() -> None:
    data = render(document_report(), "opt")
    assert isinstance(data, bytes)
    text = data.decode("ascii")
    assert text.endswith("\r\n")
    lines = text.split("\r\n")[:-1]
    assert len(lines) == 10
    fields = [line.split(",") for line in lines]
    assert all(len(f) == 7 for f in fields)
    assert fields[0] == ["LF01234567-000001", "LONGFORM", "IMAGES\\0123456789\\000001.png",
                         "Y", "", "", "10"]  # fmt: skip
    for page, f in enumerate(fields[1:], 2):
        assert f == [f"LF01234567-{page:06d}", "LONGFORM", f"IMAGES\\0123456789\\{page:06d}.png",
                     "", "", "", ""]  # fmt: skip
    _, records = dat(document_report())
    assert records[0]["BEGBATES"] == fields[0][0] and records[0]["ENDBATES"] == fields[-1][0]


def test_opt_refuses_media() -> None:
    with pytest.raises(FormatNotApplicable, match="no pages"):
        render(media_report(), "opt")
