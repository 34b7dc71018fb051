"""The shared prompt, schema and provenance checks (no network)."""

from __future__ import annotations

import json
from typing import Any

from analysis.schema import Usage
from ingest.types import Chunk, ChunkPart, Span
from providers.base import AnalysisTask
from providers.llm import (
    PROMPT_VERSION,
    ModelFindings,
    build_prompt,
    findings_schema,
    findings_to_result,
)
from tests.providers.qwen_support import document_chunk

ALLOWED = {"type", "properties", "required", "items", "enum", "description"}


def _keys(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = set(node) - {"properties"}
        for key, value in node.items():
            if key == "properties":
                for sub in value.values():
                    found |= _keys(sub)
            elif isinstance(value, dict):
                found |= _keys(value)
        return found
    return set()


def test_schema_is_self_contained_and_portable() -> None:
    schema = findings_schema()
    assert _keys(schema) <= ALLOWED
    assert "$ref" not in json.dumps(schema) and "$defs" not in json.dumps(schema)
    assert schema["required"] == ["summary"]
    entity = schema["properties"]["entities"]["items"]
    assert entity["properties"]["type"]["enum"][0] == "person"
    assert entity["properties"]["mentions"]["items"]["properties"]["page"]["type"] == "integer"


def test_prompt_puts_the_stable_part_first() -> None:
    task = AnalysisTask(source_filename="a.pdf")
    one, two = build_prompt(document_chunk(0), task), build_prompt(_pages(7, "x"), task)
    assert (one.system, one.instructions) == (two.system, two.instructions)
    assert one.version == PROMPT_VERSION
    assert one.parts[0].text is not None and "pages 3 to 4" in one.parts[0].text
    assert [p.text.split("\n")[0] for p in one.parts[1:] if p.text] == ["[page 3]", "[page 4]"]


def _pages(page: int, text: str) -> Chunk:
    part = ChunkPart(kind="text", span=Span.pages(page), text=text)
    return Chunk(index=1, span=Span.pages(page), parts=[part], token_estimate=5)


def _result(chunk: Chunk, raw: dict[str, Any]):  # type: ignore[no-untyped-def]
    findings = ModelFindings.model_validate(raw)
    return findings_to_result(
        chunk, findings, provider="p", model="m", usage=Usage(), cost_usd=0.0, latency_ms=1
    )


def test_provenance_checks_drop_and_count() -> None:
    raw = {
        "summary": "s",
        "quotes": [
            {"page": 3, "quote": "MARIA   keller presented"},  # case and spaces differ: kept
            {"page": 9, "quote": "Maria Keller presented"},  # outside the chunk
            {"page": 4, "quote": "Maria Keller presented"},  # not on page 4
            {"quote": "no page"},
        ],
        "entities": [{"name": "Jonas", "mentions": [{"page": 4, "quote": "Jonas Weber"}]}],
    }
    result = _result(document_chunk(), raw)
    assert [q.span.page_start for q in result.quotes] == [3]
    assert result.entities[0].mentions[0].span == Span.pages(4)
    assert result.prompt_version == PROMPT_VERSION
    assert result.notes == [
        "1 finding dropped: cited page outside the chunk",
        "1 finding dropped: no page or time cited",
        "1 finding dropped: quote not found on the cited page",
    ]


def test_media_times_are_absolute_and_checked() -> None:
    chunk = Chunk(index=0, span=Span.seconds(100.0, 130.0), parts=[], token_estimate=1)
    raw = {
        "summary": "s",
        "transcript": [
            {"start_s": 101.0, "end_s": 104.5, "text": "hello"},
            {"start_s": 1.0, "end_s": 4.5, "text": "relative time: wrong"},
        ],
        "scenes": [{"start_s": 129.8, "end_s": 130.3, "description": "edge, within slack"}],
    }
    result = _result(chunk, raw)
    assert [s.span.start_s for s in result.transcript] == [101.0]
    assert result.scenes[0].span == Span.seconds(129.8, 130.3)
    assert result.notes == ["1 finding dropped: cited time outside the chunk"]
