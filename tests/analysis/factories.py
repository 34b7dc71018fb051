"""Hand-built chunk results for the analysis tests: a 10-page PDF in three overlapping chunks.

chunk 0: pp. 1–4, chunk 1: pp. 4–7 (p. 4 shared), chunk 2: pp. 7–10 (p. 7 shared).
"""

from __future__ import annotations

from typing import Any

from analysis.schema import (
    ChunkProcessing,
    ChunkResult,
    CustodyEvent,
    Entity,
    Event,
    Flag,
    KeyQuote,
    Mention,
    Source,
    SummarySentence,
    Usage,
)
from ingest.types import Span

P = Span.pages
EXTENT = P(1, 10)
CHUNK_SPANS = {0: P(1, 4), 1: P(4, 7), 2: P(7, 10)}


def source(**overrides: Any) -> Source:
    fields: dict[str, Any] = {
        "filename": "deposition.pdf",
        "sha256": "ab" * 32,
        "media_type": "application/pdf",
        "size_bytes": 12345,
        "pages": 10,
    }
    return Source(**(fields | overrides))


def row(index: int, status: str = "done", error: str | None = None, **kw: Any) -> ChunkProcessing:
    fields: dict[str, Any] = {
        "index": index,
        "span": CHUNK_SPANS[index],
        "provider": "local",
        "model": "spacy-sm",
        "reason": "policy=cost",
        "attempts": 1 if status == "done" else 3,
        "status": status,
        "error": error,
    }
    if status == "done":
        fields |= {"input_tokens": 100, "output_tokens": 20, "cached_tokens": 10}
        fields |= {"cost_usd": 0.001, "latency_ms": 500}
    return ChunkProcessing(**(fields | kw))


def mention(page: int, quote: str) -> Mention:
    return Mention(span=P(page), quote=quote)


def chunk0() -> ChunkResult:
    return ChunkResult(
        chunk_index=0,
        span=CHUNK_SPANS[0],
        provider="local",
        model="spacy-sm",
        language="en",
        summary_sentences=[
            SummarySentence(span=P(1), text="The deposition of John Smith began.", score=0.9),
            SummarySentence(span=P(2), text="Counsel stated appearances.", score=0.2),
        ],
        entities=[
            Entity(
                name="John Smith",
                type="person",
                mentions=[mention(1, "John Smith"), mention(4, "Mr. Smith")],
            ),
            Entity(name="The Acme Corp.", type="organization", mentions=[mention(2, "Acme")]),
        ],
        events=[
            Event(
                span=P(3), date="2020-03-05", date_text="March 5, 2020", text="Meeting", quote="met"
            ),
            Event(span=P(4), date="2020", date_text="in 2020", text="Contract year", quote="2020"),
        ],
        topics=["contract dispute", "deposition"],
        flags=[
            Flag(kind="pii", subtype="email", span=P(4), quote="js@example.com", reason="email"),
        ],
        quotes=[KeyQuote(span=P(4), text="I never signed it.")],
        usage=Usage(input_tokens=100, output_tokens=20, cached_tokens=10),
    )


def chunk1() -> ChunkResult:
    return ChunkResult(
        chunk_index=1,
        span=CHUNK_SPANS[1],
        provider="local",
        model="spacy-sm",
        language="en",
        summary_sentences=[
            SummarySentence(span=P(5), text="Smith denied signing the contract.", score=0.8),
        ],
        entities=[
            Entity(
                name="Mr. John Smith",
                type="person",
                mentions=[mention(4, "Mr. Smith"), mention(6, "Smith")],
                aliases=["J. Smith"],
            ),
            Entity(name="Acme Corp", type="organization", mentions=[mention(5, "Acme Corp")]),
        ],
        events=[
            Event(span=P(4), date="2020", date_text="in 2020", text="Contract year", quote="2020"),
            Event(span=P(6), date=None, date_text="later", text="Undated thing", quote="later"),
            Event(span=P(5), date="2019-12", date_text="Dec 2019", text="Draft", quote="draft"),
        ],
        topics=["contract dispute"],
        flags=[
            Flag(kind="pii", subtype="email", span=P(4), quote="js@example.com", reason="email"),
            Flag(
                kind="privilege",
                subtype="attorney_client",
                span=P(6),
                quote="my lawyer advised",
                reason="legal advice",
            ),
        ],
        quotes=[KeyQuote(span=P(4), text="I never  signed it.")],
        usage=Usage(input_tokens=100, output_tokens=20, cached_tokens=10),
    )


def chunk2() -> ChunkResult:
    return ChunkResult(
        chunk_index=2,
        span=CHUNK_SPANS[2],
        provider="local",
        model="spacy-sm",
        language="fr",
        summary="The witness was excused.",
        entities=[Entity(name="Smith", type="person", mentions=[mention(8, "Smith")])],
        topics=["procedure"],
        notes=["NER not available for language fr"],
    )


def results(*indices: int) -> dict[int, ChunkResult]:
    build = {0: chunk0, 1: chunk1, 2: chunk2}
    return {i: build[i]() for i in indices}


def custody() -> list[CustodyEvent]:
    return [
        CustodyEvent(
            at="2026-01-01T00:00:00+00:00", event="upload.stored", detail={"sha256": "ab"}
        ),
        CustodyEvent(at="2026-01-01T00:00:05+00:00", event="report.written", detail={}),
    ]
