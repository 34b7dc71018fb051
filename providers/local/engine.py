"""`analyze_document_chunk`: every local text engine over one document chunk.

Pages are language-tagged one by one (lingua), so a mixed chunk gets English NER on its
English pages and rules, PII, dates and a TF-IDF summary on the rest, with a note saying
what was skipped. Models load lazily, once per process.
"""

from __future__ import annotations

from collections import Counter

from analysis.schema import ChunkResult, Event, Flag
from ingest.types import Chunk, Span
from providers.base import AnalysisTask
from providers.local import langid
from providers.local.dates import find_dates
from providers.local.entities import Found, build_entities
from providers.local.ner import find_entities
from providers.local.pii import find_pii
from providers.local.privilege import find_privilege
from providers.local.rules import find_rules
from providers.local.summarize import summarize, summary_text
from providers.local.text import QUOTE_MAX, Page, pages_of
from providers.local.topics import find_quotes, find_topics

PROVIDER = "local"
MODEL = "local-text-v1 (spaCy en_core_web_sm 3.8.0 + MiniLM-L6)"
ENGLISH = frozenset({"en", None})


def _label(spans: list[Span]) -> str:
    first, last = spans[0], spans[-1]
    return Span.pages(first.page_start or 1, last.page_end).label()


def _languages(pages: list[Page], chunk: Chunk, task: AnalysisTask) -> str | None:
    """Tag each page; the chunk's language is the one with the most characters."""
    hint = (task.languages[0] if task.languages else None) or chunk.language
    weights: Counter[str] = Counter()
    for page in pages:
        page.language = langid.detect(page.text)
        if page.language:
            weights[page.language] += len(page.text)
    language = weights.most_common(1)[0][0] if weights else (hint.lower()[:2] if hint else None)
    for index, page in enumerate(pages):
        page.language = page.language or language
        page.segment(index)
    return language


def _found(pages: list[Page]) -> list[Found]:
    found: list[Found] = []
    english = [(i, p.text) for i, p in enumerate(pages) if p.language in ENGLISH]
    found += [Found(m.page, m.start, m.end, m.type, m.name) for m in find_entities(english)]
    for i, page in enumerate(pages):
        found += [Found(i, r.start, r.end, r.type, r.name) for r in find_rules(page.text)]
        found += [
            Found(i, d.start, d.end, "date", d.iso or d.text, d.text)
            for d in find_dates(page.text, page.language)
        ]
    return found


def _events(pages: list[Page], found: list[Found]) -> list[Event]:
    events: list[Event] = []
    seen: set[tuple[int, str, int]] = set()
    for item in found:
        if item.type != "date":
            continue
        page = pages[item.page]
        sentence = page.sentence_at(item.start)
        key = (item.page, item.name, sentence.start if sentence else item.start)
        if key in seen:
            continue
        seen.add(key)
        quote = page.quote(item.start, item.end)
        text = sentence.text if sentence and len(sentence.text) <= QUOTE_MAX else quote
        events.append(
            Event(span=page.span, date=item.name, date_text=item.text, text=text, quote=quote)
        )
    return events


def _flags(pages: list[Page]) -> list[Flag]:
    flags: list[Flag] = []
    for page in pages:
        for hit in find_pii(page.text):
            quote = page.window(hit.start, hit.end)
            flags.append(
                Flag(
                    kind="pii", subtype=hit.subtype, span=page.span, quote=quote, reason=hit.reason
                )
            )
        if page.language not in ENGLISH:
            continue
        for p in find_privilege(page.text):
            quote = page.quote(p.start, p.end)
            flags.append(
                Flag(
                    kind="privilege",
                    subtype=p.subtype,
                    span=page.span,
                    quote=quote,
                    reason=p.reason,
                )
            )
    return flags


def _notes(pages: list[Page], chunk: Chunk, language: str | None) -> list[str]:
    notes: list[str] = []
    other: dict[str, list[Span]] = {}
    for page in pages:
        if page.language not in ENGLISH:
            other.setdefault(str(page.language), []).append(page.span)
    for lang, spans in other.items():
        notes.append(
            f"named-entity recognition (people, organizations, places) and privilege indicators "
            f"are English-only offline; skipped for language '{lang}' ({_label(spans)})"
        )
    if language not in ENGLISH:
        notes.append(
            f"summary ranked by TF-IDF TextRank: MiniLM embeddings are English-only ('{language}')"
        )
    empty = [p.span for p in chunk.parts if p.kind != "text" or not (p.text or "").strip()]
    if empty:
        notes.append(
            f"{len(empty)} part(s) without text (e.g. {empty[0].label()}) "
            "not analysed by the local text engines"
        )
    return notes


def analyze_document_chunk(chunk: Chunk, task: AnalysisTask) -> ChunkResult:
    """Entities, timeline, PII and privilege flags, summary, topics and quotes for one chunk."""
    pages = pages_of(chunk)
    language = _languages(pages, chunk, task)
    found = _found(pages)
    entities = build_entities(found, pages)
    summary = summarize(pages, language, use_embeddings=language in ENGLISH)
    people = [e.name for e in entities if e.type == "person" and len(e.name.split()) >= 2]
    return ChunkResult(
        chunk_index=chunk.index,
        span=chunk.span,
        provider=PROVIDER,
        model=MODEL,
        language=language,
        summary=summary_text(summary, pages),
        summary_sentences=summary,
        entities=entities,
        events=_events(pages, found),
        topics=find_topics(pages, language, people),
        flags=_flags(pages),
        quotes=find_quotes(pages, people),
        notes=_notes(pages, chunk, language),
    )


def warm() -> None:
    """Load every model now (the process pool's initializer calls this)."""
    from providers.local.embed import get_encoder
    from providers.local.ner import warm as warm_ner

    warm_ner()
    get_encoder()
    langid.warm()
