from __future__ import annotations

import json

import jsonschema
import pytest

from analysis import aggregate, render, render_json, report_json_schema
from analysis.schema import Entity, KeyQuote, Mention, Report
from tests.analysis.factories import EXTENT, P, custody, results, row, source


def report_with(failed: bool = False) -> Report:
    rows = [row(0), row(1, status="failed", error="timeout") if failed else row(1), row(2)]
    return aggregate(
        source=source(),
        processing=rows,
        results=results(0, 2) if failed else results(0, 1, 2),
        custody=custody(),
        extent=EXTENT,
    )


def test_json_spans_have_no_nulls_and_round_trip() -> None:
    report = report_with(failed=True)
    text = render(report, "json")
    assert isinstance(text, str)
    data = json.loads(text)
    assert data["report_version"] == "1"
    assert data["coverage"]["gaps"][0]["span"] == {"page_start": 5, "page_end": 6}
    assert '"start_s"' not in text and '"end_s"' not in text
    # a null that is not in a span stays (the timeline's undated event)
    assert Report.model_validate_json(text) == report


def test_json_is_canonical() -> None:
    report = report_with()
    text = render_json(report)
    assert text == render(report, "json")
    assert text.endswith("}\n")
    assert text.startswith('{\n  "report_version": "1",')


def test_json_keeps_unicode() -> None:
    report = report_with().model_copy(update={"summary": "Zeugenaussage – Müller"})
    assert "Müller" in render(report, "json")


def test_schema_has_the_contract_keys() -> None:
    schema = report_json_schema()
    assert isinstance(schema, dict)
    required = set(schema["required"])
    assert {"source", "summary", "coverage", "processing"} <= required
    props = set(schema["properties"])
    contract = {"report_version", "source", "summary", "sections", "transcript", "scenes"}
    contract |= {"entities", "timeline", "topics", "flags", "quotes", "coverage"}
    contract |= {"processing", "custody"}
    assert contract <= props


def test_schema_validates_rendered_report() -> None:
    jsonschema.validate(json.loads(str(render(report_with(True), "json"))), report_json_schema())


def test_markdown_has_citations_gaps_and_tables() -> None:
    md = render(report_with(failed=True), "md")
    assert isinstance(md, str)
    assert md.startswith("# Report: deposition.pdf")
    assert "ab" * 32 in md
    assert "(p. 1)" in md
    assert "(pp. 1–4)" in md
    assert "⚠ Gaps" in md
    assert "timeout" in md
    assert "| John Smith | person | 3 | p. 1 |" in md
    assert "## Chain of custody" in md
    assert "**Totals:** 3 chunks (2 succeeded, 1 failed)" in md


def test_markdown_without_gaps_says_so() -> None:
    md = str(render(report_with(), "md"))
    assert "⚠" not in md
    assert "No gaps" in md


def test_markdown_escapes_hostile_text() -> None:
    hostile = "<script>alert(1)</script> [click](http://x) **bold** | cell\nnext line"
    report = report_with().model_copy(
        update={
            "quotes": [KeyQuote(span=P(2), text=hostile)],
            "entities": [
                Entity(name=hostile, type="other", mentions=[Mention(span=P(3), quote="x")])
            ],
        }
    )
    md = str(render(report, "md"))
    assert "<script>" not in md
    assert "&lt;script&gt;" in md
    assert "[click](" not in md
    assert "**bold**" not in md
    entity_row = next(line for line in md.splitlines() if "alert" in line and "other" in line)
    assert "\\| cell next line" in entity_row  # pipe escaped, newline collapsed in the cell
    assert "| cell" not in entity_row.replace("\\|", "")


def test_markdown_time_spans_use_clock_citations() -> None:
    from analysis.schema import Gap, TranscriptSegment
    from ingest.types import Span

    report = report_with().model_copy(
        update={
            "transcript": [TranscriptSegment(span=Span.seconds(62, 69), speaker="Q", text="Hi")],
            "coverage": report_with().coverage.model_copy(
                update={"gaps": [Gap(span=Span.seconds(3600, 3720), reason="chunk 9 failed")]}
            ),
        }
    )
    md = str(render(report, "md"))
    assert "**Q** · 00:01:02–00:01:09\\\n[00:01:02] Hi\n" in md
    assert "01:00:00–01:02:00" in md


def test_unknown_format_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="json, md"):
        render(report_with(), "docx")
