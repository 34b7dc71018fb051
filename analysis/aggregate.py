"""Aggregation: per-chunk results in, one `Report` out.

Chunks overlap (a chunk's span starts with pages or seconds its predecessor also saw), so
every list of findings is merged as a multiset union (see `analysis.merge`), entities are
resolved across the whole file (`analysis.resolve`), and coverage lists every part of the file that
no succeeded chunk analysed, with the failing chunk's reason (`analysis.coverage`). Media
are stitched at chunk borders: the transcript word by word (`analysis.transcript`), scenes
and on-screen text by time (`analysis.scenes`). Structure and summary read one digest of
the chunks' summary sentences (`analysis.digest`): sections where the topic shifts
(`analysis.sections`), then the map-reduce summary citing them (`analysis.summary`).

Models are the caller's business: `embed` (an `Embedder`, else TF-IDF) and `summarizer` (a
`Summarizer`, else extractive) are plain callables; `analysis` never imports a provider.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from analysis.coverage import build_coverage, build_processing
from analysis.digest import Digest, build_digest
from analysis.entities import merge_entities
from analysis.merge import (
    ChunkGroup,
    merge_timeline,
    norm_text,
    sorted_by_span,
    union_across_chunks,
)
from analysis.scenes import merge_onscreen, merge_scenes
from analysis.schema import (
    ChunkProcessing,
    ChunkResult,
    CustodyEvent,
    Entity,
    Flag,
    Gap,
    KeyQuote,
    Report,
    Section,
    Source,
    SummarySentence,
)
from analysis.sections import build_sections, rank_topics, segment_units
from analysis.summary import (
    Summarizer,
    SummaryReducer,
    cite,
    collect_sentences,
    default_limit,
    extractive_overall,
    reduce_texts,
    summarise_sections,
    summary_text,
    written_overall,
)
from analysis.transcript import merge_transcript
from analysis.vectors import Embedder
from ingest.types import Span

OVERALL_WORDS = 200
AMBIGUITY_NOTES = 20
NAMES_PER_NOTE = 5

T = TypeVar("T")


def aggregate(
    *,
    source: Source,
    processing: list[ChunkProcessing],
    results: dict[int, ChunkResult],
    custody: list[CustodyEvent],
    extent: Span,
    summarize: SummaryReducer | None = None,
    summary_limit: int | None = None,
    known_gaps: Sequence[Gap] = (),
    cuts_s: Sequence[float] | None = None,
    embed: Embedder | None = None,
    summarizer: Summarizer | None = None,
) -> Report:
    """Merge the results of a job's chunks into its report.

    `processing` has one row per planned chunk; `results` holds the succeeded chunks by
    index; `extent` is the whole file (pages 1..N or 0..duration). `summary_limit` caps the
    extractive summary (default 3 to 10 sentences); `summarize` replaces the overall
    extractive step (it picks sentences). `embed` embeds texts for sections, summaries and
    entity tie-breaks (default: TF-IDF); `summarizer` writes section and overall summaries
    (default: extractive). `known_gaps` are spans ingest could not read; they are reported as
    gaps, not as analysed. `cuts_s` are shot cuts known independently of the chunks (e.g. the
    planner's), used to decide whether scenes touching at a non-overlapping chunk border are
    one shot; None means unknown, and such scenes are then kept apart (see `analysis.scenes`).
    """
    ordered = sorted(results.values(), key=lambda r: (r.span.sort_key(), r.chunk_index))
    digest = build_digest(ordered, embed)
    placed = build_sections(digest, segment_units(digest))
    sections = summarise_sections(digest, placed, summarizer)
    limit = summary_limit if summary_limit is not None else default_limit(len(ordered))
    method, text, chosen = _overall(digest, sections, placed, limit, summarize, summarizer, embed)
    entities = merge_entities(
        _groups(ordered, lambda r: r.entities),
        contexts=[_context(r) for r in ordered],
        embedder=embed,
    )
    return Report(
        source=source,
        summary=text,
        summary_sentences=chosen,
        summary_method=method,
        languages=_languages(ordered),
        sections=sections,
        transcript=merge_transcript(_groups(ordered, lambda r: r.transcript)),
        scenes=merge_scenes(_groups(ordered, lambda r: r.scenes), cuts_s),
        onscreen_text=merge_onscreen(_groups(ordered, lambda r: r.onscreen_text)),
        entities=entities,
        timeline=merge_timeline(_groups(ordered, lambda r: r.events)),
        topics=rank_topics(ordered),
        flags=_merged(ordered, lambda r: r.flags, _flag_key, lambda f: f.span),
        quotes=_merged(ordered, lambda r: r.quotes, _quote_key, lambda q: q.span),
        notes=_notes(ordered, entities),
        coverage=build_coverage(
            extent, processing, {r.chunk_index: r.span for r in ordered}, known_gaps
        ),
        processing=build_processing(processing),
        custody=list(custody),
    )


def _overall(
    digest: Digest,
    sections: list[Section],
    placed: Sequence[tuple[Section, Sequence[int]]],
    limit: int,
    summarize: SummaryReducer | None,
    summarizer: Summarizer | None,
    embed: Embedder | None,
) -> tuple[str, str, list[SummarySentence]]:
    """(method, text, cited sentences) of the overall summary."""
    if summarize is not None:
        chosen = cite(summarize(collect_sentences(digest.results), limit), sections)
        return "custom", summary_text(chosen), chosen
    if summarizer is not None:
        text = reduce_texts(summarizer, [s.summary for s in sections], OVERALL_WORDS)
        if text:
            return "model", text, written_overall(text, sections, embed)
    chosen = extractive_overall(digest, placed, limit)
    return "extractive", summary_text(chosen), chosen


def _context(result: ChunkResult) -> str:
    return result.summary or " ".join(s.text for s in result.summary_sentences[:3])


def _notes(ordered: Sequence[ChunkResult], entities: Sequence[Entity]) -> list[str]:
    """The chunks' notes, then one per name left unmerged because it fits several entities
    (at most `AMBIGUITY_NOTES`; every entity lists its own in `ambiguous_with`)."""
    notes = [note for r in ordered for note in r.notes if note.strip()]
    unmerged = [e for e in entities if e.ambiguous_with]
    for entity in unmerged[:AMBIGUITY_NOTES]:
        names = [f"“{name}”" for name in entity.ambiguous_with[:NAMES_PER_NOTE]]
        rest = len(entity.ambiguous_with) - len(names)
        could = " or ".join(names) + (f" (or {rest} more)" if rest > 0 else "")
        notes.append(f"“{entity.name}” ({entity.type}) was left apart: it could be {could}")
    if len(unmerged) > AMBIGUITY_NOTES:
        extra = len(unmerged) - AMBIGUITY_NOTES
        notes.append(f"{extra} more names were left apart as ambiguous (see ambiguous_with)")
    return list(dict.fromkeys(notes))


def _groups(
    ordered: Sequence[ChunkResult], pick: Callable[[ChunkResult], Sequence[T]]
) -> list[ChunkGroup[T]]:
    return [(result.span, pick(result)) for result in ordered]


def _merged(
    ordered: Sequence[ChunkResult],
    pick: Callable[[ChunkResult], Sequence[T]],
    key: Callable[[T], Hashable],
    span: Callable[[T], Span],
) -> list[T]:
    merged = union_across_chunks(_groups(ordered, pick), key=key, span=span)
    return sorted_by_span(merged, span)


def _flag_key(flag: Flag) -> Hashable:
    return (flag.kind, flag.subtype, norm_text(flag.quote))


def _quote_key(quote: KeyQuote) -> Hashable:
    return norm_text(quote.text)


def _languages(ordered: Sequence[ChunkResult]) -> list[str]:
    """Distinct chunk languages, most frequent first (ties: first seen)."""
    counts = Counter(r.language for r in ordered if r.language)
    return sorted(counts, key=lambda lang: -counts[lang])
