"""Aggregation: per-chunk results in, one `Report` out.

Chunks overlap (a chunk's span starts with pages or seconds its predecessor also saw), so
every list of findings is merged as a multiset union (see `analysis.merge`), entities are
resolved across chunks (`analysis.entities`), and coverage lists every part of the file that
no succeeded chunk analysed, with the failing chunk's reason (`analysis.coverage`). Media
are stitched at chunk borders: the transcript word by word (`analysis.transcript`), scenes
and on-screen text by time (`analysis.scenes`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from analysis.coverage import build_coverage, build_processing
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
    Flag,
    Gap,
    KeyQuote,
    Report,
    Source,
)
from analysis.sections import build_sections, rank_topics
from analysis.summary import (
    SummaryReducer,
    collect_sentences,
    default_limit,
    diverse_sentences,
    summary_text,
)
from analysis.transcript import merge_transcript
from ingest.types import Span

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
) -> Report:
    """Merge the results of a job's chunks into its report.

    `processing` has one row per planned chunk; `results` holds the succeeded chunks by
    index; `extent` is the whole file (pages 1..N or 0..duration). `summarize` replaces the
    default extractive reducer; `summary_limit` caps the summary (default 3 to 10 sentences).
    `known_gaps` are spans ingest could not read; they are reported as gaps, not as analysed.
    `cuts_s` are shot cuts known independently of the chunks (e.g. the planner's), used to
    decide whether scenes touching at a non-overlapping chunk border are one shot; None means
    unknown, and such scenes are then kept apart (see `analysis.scenes`).
    """
    ordered = sorted(results.values(), key=lambda r: (r.span.sort_key(), r.chunk_index))
    sentences = collect_sentences(ordered)
    limit = summary_limit if summary_limit is not None else default_limit(len(ordered))
    if summarize is not None:
        chosen = summarize(list(sentences), limit)
    else:
        chosen = diverse_sentences(sentences, limit, regions=[r.span for r in ordered])
    return Report(
        source=source,
        summary=summary_text(chosen),
        summary_sentences=chosen,
        languages=_languages(ordered),
        sections=build_sections(processing, results, sentences),
        transcript=merge_transcript(_groups(ordered, lambda r: r.transcript)),
        scenes=merge_scenes(_groups(ordered, lambda r: r.scenes), cuts_s),
        onscreen_text=merge_onscreen(_groups(ordered, lambda r: r.onscreen_text)),
        entities=merge_entities(_groups(ordered, lambda r: r.entities)),
        timeline=merge_timeline(_groups(ordered, lambda r: r.events)),
        topics=rank_topics(ordered),
        flags=_merged(ordered, lambda r: r.flags, _flag_key, lambda f: f.span),
        quotes=_merged(ordered, lambda r: r.quotes, _quote_key, lambda q: q.span),
        notes=list(dict.fromkeys(note for r in ordered for note in r.notes if note.strip())),
        coverage=build_coverage(
            extent, processing, {r.chunk_index: r.span for r in ordered}, known_gaps
        ),
        processing=build_processing(processing),
        custody=list(custody),
    )


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
