"""The local engines against the hand-labelled fixture pages (real models, no mocks)."""

from __future__ import annotations

import pytest

from analysis.schema import ChunkResult, Entity
from fixtures import legal_texts as gt
from ingest.types import Span
from providers.base import AnalysisTask
from providers.local.engine import analyze_document_chunk
from providers.local.text import squash


@pytest.fixture(scope="module")
def result() -> ChunkResult:
    return analyze_document_chunk(gt.legal_chunk(), AnalysisTask())


@pytest.fixture(scope="module")
def german() -> ChunkResult:
    return analyze_document_chunk(gt.german_chunk(), AnalysisTask())


@pytest.fixture(scope="module")
def thai() -> ChunkResult:
    return analyze_document_chunk(gt.thai_chunk(), AnalysisTask())


def _page_text(page: int) -> str:
    return squash(gt.PAGES[page - gt.FIRST_PAGE])


def _entity(result: ChunkResult, name: str, kind: str) -> Entity:
    matches = [e for e in result.entities if e.name == name and e.type == kind]
    assert matches, f"{kind} {name!r} not found; got {[(e.type, e.name) for e in result.entities]}"
    return matches[0]


@pytest.mark.parametrize(("name", "kind", "pages"), gt.ENTITIES, ids=[e[0] for e in gt.ENTITIES])
def test_entities_found_on_their_pages(
    result: ChunkResult, name: str, kind: str, pages: tuple[int, ...]
) -> None:
    entity = _entity(result, name, kind)
    cited = {m.span.page_start for m in entity.mentions}
    assert set(pages) <= cited
    for mention in entity.mentions:
        assert mention.span == Span.pages(mention.span.page_start or 0)
        assert mention.quote.strip("…") in _page_text(mention.span.page_start or 0)


def test_no_spurious_named_entities(result: ChunkResult) -> None:
    expected = {(name, kind) for name, kind, _ in gt.ENTITIES}
    named = {
        (e.name, e.type) for e in result.entities if e.type in ("person", "organization", "place")
    }
    assert named <= expected, named - expected


def test_surnames_resolve_to_people(result: ChunkResult) -> None:
    for surname, person in gt.SURNAME_ALIASES.items():
        assert surname in _entity(result, person, "person").aliases
    assert not [e for e in result.entities if e.name in gt.SURNAME_ALIASES]


def test_timeline_events_have_iso_dates_and_quotes(result: ChunkResult) -> None:
    expected = {(name, pages[0]) for name, kind, pages in gt.ENTITIES if kind == "date"}
    assert {(e.date, e.span.page_start) for e in result.events} == expected
    for event in result.events:
        assert event.date_text in event.quote and event.date_text in event.text
        assert event.text in _page_text(event.span.page_start or 0)
    month_only = next(e for e in result.events if e.date_text == "January 2019")
    assert month_only.date == "2019-01"


def test_pii_flags_with_checksums(result: ChunkResult) -> None:
    pii = [f for f in result.flags if f.kind == "pii"]
    for subtype, page, value in gt.PII:
        assert any(
            f.subtype == subtype and f.span.page_start == page and value in f.quote for f in pii
        ), subtype
    cards = [f for f in pii if f.subtype == "payment_card"]
    assert len(cards) == 1 and "Luhn" in cards[0].reason
    assert len(pii) == len(gt.PII)  # no dates, amounts or citations flagged
    assert all(f.reason for f in pii)


def test_privilege_flags(result: ChunkResult) -> None:
    privilege = [f for f in result.flags if f.kind == "privilege"]
    assert {f.span.page_start for f in privilege} == set(gt.PRIVILEGE_PAGES)
    assert {f.subtype for f in privilege} == {"attorney_client", "work_product"}
    assert all(f.quote.strip("…") in _page_text(14) for f in privilege)


def test_summary_sentences_come_from_their_pages(result: ChunkResult) -> None:
    assert result.summary and 3 <= len(result.summary_sentences) <= 5
    for sentence in result.summary_sentences:
        assert sentence.text in _page_text(sentence.span.page_start or 0)
        assert 0.0 < sentence.score <= 1.0
    assert result.summary_sentences[0].score == 1.0
    assert all(s.text in result.summary for s in result.summary_sentences[:3])


def test_topics_and_key_quotes(result: ChunkResult) -> None:
    assert 3 <= len(result.topics) <= 8
    assert not {"whitfield", "price", "okafor"} & {w for t in result.topics for w in t.split()}
    quote = next(q for q in result.quotes if gt.KEY_QUOTE in q.text)
    assert quote.span == Span.pages(12) and quote.reason == "direct quotation"


def test_result_metadata(result: ChunkResult) -> None:
    assert result.language == "en" and result.provider == "local" and not result.notes
    assert result.span == Span.pages(11, 14) and result.chunk_index == 0


def test_german_chunk_gets_rules_dates_and_notes(german: ChunkResult) -> None:
    assert german.language == "de"
    assert {e.date for e in german.events} == gt.GERMAN_DATES
    assert {f.subtype for f in german.flags} == {"email", "phone"}
    assert not [e for e in german.entities if e.type in ("person", "organization", "place")]
    assert any("English-only" in n and "'de'" in n for n in german.notes)
    assert german.summary_sentences and german.summary_sentences[0].span == Span.pages(40)


def test_thai_chunk_gets_rules_dates_and_notes(thai: ChunkResult) -> None:
    assert thai.language == "th"
    assert {e.date for e in thai.events} == gt.THAI_DATES
    assert {f.subtype for f in thai.flags} == {"email", "phone"}
    assert any("skipped for language 'th'" in n for n in thai.notes)
    assert thai.summary and all(s.text in squash(gt.THAI) for s in thai.summary_sentences)
