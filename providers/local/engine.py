"""`analyze_chunk`: every local engine over one chunk; the text analysis shared by all.

Text chunks go to `analyze_document_chunk`, media chunks (audio, video or timed keyframes)
to `providers.local.media`. Both end in `analyze_units`: the text engines run over units,
each a text with its absolute span (a page, or a transcript segment), so every entity
mention, event, flag and quote carries the page or the seconds it came from.

Pages are language-tagged one by one (lingua), so a mixed chunk gets English NER on its
English pages and rules, PII, dates and a TF-IDF summary on the rest, with a note saying
what was skipped. Models load lazily, once per process.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

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
from providers.local.text import QUOTE_MAX, Unit, pages_of
from providers.local.topics import find_quotes, find_topics

PROVIDER = "local"
MODEL = "local-text-v1 (spaCy en_core_web_sm 3.8.0 + MiniLM-L6)"
ENGLISH = frozenset({"en", None})


MEDIA_KINDS = frozenset({"audio", "video"})


def _label(spans: list[Span]) -> str:
    first, last = spans[0], spans[-1]
    if first.is_pages:
        return Span.pages(first.page_start or 1, last.page_end).label()
    return Span.seconds(first.start_s or 0.0, last.end_s or 0.0).label()


def _languages(pages: list[Unit], chunk: Chunk, task: AnalysisTask) -> str | None:
    """Tag each page; the chunk's language is the one with the most characters."""
    hint = (task.languages[0] if task.languages else None) or chunk.language
    weights: Counter[str] = Counter()
    for page in pages:
        page.language = langid.detect(page.text)
        if page.language:
            weights[page.language] += len(page.text)
    language = weights.most_common(1)[0][0] if weights else (hint.lower()[:2] if hint else None)
    for page in pages:
        page.language = page.language or language
    return language


def _found(pages: list[Unit]) -> list[Found]:
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


def _events(pages: list[Unit], found: list[Found]) -> list[Event]:
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


def _flags(pages: list[Unit]) -> list[Flag]:
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


def language_notes(pages: list[Unit], language: str | None) -> list[str]:
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
    return notes


def _notes(pages: list[Unit], chunk: Chunk, language: str | None) -> list[str]:
    notes = language_notes(pages, language)
    empty = [p.span for p in chunk.parts if p.kind != "text" or not (p.text or "").strip()]
    if empty:
        notes.append(
            f"{len(empty)} part(s) without text (e.g. {empty[0].label()}) "
            "not analysed by the local text engines"
        )
    return notes


def analyze_units(
    chunk: Chunk,
    units: list[Unit],
    language: str | None,
    *,
    extra: list[Unit] | None = None,
    model: str = MODEL,
) -> ChunkResult:
    """The text engines over language-tagged `units`.

    `extra` units (e.g. on-screen text) feed entities, events and flags, but not the
    summary, topics or quotes.
    """
    every = [*units, *(extra or [])]
    for index, unit in enumerate(every):
        unit.segment(index)
    found = _found(every)
    entities = build_entities(found, every)
    summary = summarize(units, language, use_embeddings=language in ENGLISH)
    people = [e.name for e in entities if e.type == "person" and len(e.name.split()) >= 2]
    return ChunkResult(
        chunk_index=chunk.index,
        span=chunk.span,
        provider=PROVIDER,
        model=model,
        language=language,
        summary=summary_text(summary, units),
        summary_sentences=summary,
        entities=entities,
        events=_events(every, found),
        topics=find_topics(units, language, people),
        flags=_flags(every),
        quotes=find_quotes(units, people),
    )


def analyze_document_chunk(chunk: Chunk, task: AnalysisTask) -> ChunkResult:
    """Entities, timeline, PII and privilege flags, summary, topics and quotes for one chunk."""
    pages = pages_of(chunk)
    language = _languages(pages, chunk, task)
    result = analyze_units(chunk, pages, language)
    result.notes = _notes(pages, chunk, language)
    return result


def is_media(chunk: Chunk) -> bool:
    """Audio or video parts, or keyframes with times: the media path handles it."""
    return any(
        part.kind in MEDIA_KINDS or (part.kind == "image" and not part.span.is_pages)
        for part in chunk.parts
    )


def analyze_chunk(
    chunk: Chunk, task: AnalysisTask, model_cache_dir: Path | None = None
) -> ChunkResult:
    """Route a chunk to the media path or the document path (in this process)."""
    if is_media(chunk):
        from providers.local.media import analyze_media_chunk

        return analyze_media_chunk(chunk, task, model_cache_dir)
    return analyze_document_chunk(chunk, task)


def warm() -> None:
    """Load the text models now (the process pool's initializer calls this).

    Whisper loads on a worker's first media chunk instead: a document job should not pay
    its memory (about 75 MB per worker for tiny.en, 145 MB more for base).
    """
    from providers.local.embed import get_encoder
    from providers.local.ner import warm as warm_ner

    warm_ner()
    get_encoder()
    langid.warm()
