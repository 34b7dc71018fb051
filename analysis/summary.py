"""The whole-document summary: chunk summary sentences reduced to a few, each with its span.

The reduction step is pluggable (`SummaryReducer`) so the service shell can hand in an
embedding-based reducer or a model; `analysis` itself never calls a provider. The default,
`diverse_sentences`, is extractive: the best sentence of each region of the document first,
then the best of the rest, read in document order.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from typing import Protocol

from analysis.merge import ChunkGroup, norm_text, sorted_by_span, union_across_chunks
from analysis.schema import ChunkResult, SummarySentence
from ingest.types import Span


class SummaryReducer(Protocol):
    """Picks at most `limit` sentences that together summarise the document.

    Sentences arrive in document order, de-duplicated; return them in the order to print.
    """

    def __call__(self, sentences: list[SummarySentence], limit: int) -> list[SummarySentence]: ...


def default_limit(chunks: int) -> int:
    """Summary length: one sentence per chunk for short files, 3 to 10 in all."""
    return min(10, max(3, chunks))


def collect_sentences(ordered: Sequence[ChunkResult]) -> list[SummarySentence]:
    """Every chunk's summary sentences, in document order, without overlap or verbatim repeats.

    A chunk that gave only a `summary` string contributes it as one sentence over its span.
    """
    groups: list[ChunkGroup[SummarySentence]] = [
        (result.span, _sentences_of(result)) for result in ordered
    ]
    merged = union_across_chunks(groups, key=lambda s: norm_text(s.text), span=lambda s: s.span)
    best: dict[str, SummarySentence] = {}
    for sentence in merged:
        key = norm_text(sentence.text)
        if key and (key not in best or sentence.score > best[key].score):
            best[key] = sentence
    return sorted_by_span(list(best.values()), lambda s: s.span)


def _sentences_of(result: ChunkResult) -> list[SummarySentence]:
    if result.summary_sentences:
        return list(result.summary_sentences)
    if result.summary.strip():
        return [SummarySentence(span=result.span, text=result.summary.strip(), score=0.0)]
    return []


def diverse_sentences(
    sentences: list[SummarySentence], limit: int, *, regions: Sequence[Span] | None = None
) -> list[SummarySentence]:
    """Top-scoring sentences spread over the document, returned in document order.

    First the best sentence of each region (the chunks' spans when given, else `limit` equal
    slices of the document), strongest regions first; then the best remaining sentences.
    """
    if limit <= 0 or not sentences:
        return []
    region_of = _regioner(sentences, limit, regions)
    buckets: dict[int, list[int]] = {}
    for i, sentence in enumerate(sentences):
        buckets.setdefault(region_of(sentence.span), []).append(i)
    by_score = sorted(range(len(sentences)), key=lambda i: (-sentences[i].score, i))
    rank = {i: r for r, i in enumerate(by_score)}
    leaders = sorted((min(m, key=rank.__getitem__) for m in buckets.values()), key=rank.__getitem__)
    chosen = list(dict.fromkeys([*leaders[:limit], *by_score]))[:limit]
    return sorted_by_span([sentences[i] for i in chosen], lambda s: s.span)


def _regioner(
    sentences: Sequence[SummarySentence], limit: int, regions: Sequence[Span] | None
) -> Callable[[Span], int]:
    """Maps a span to its region number: the last given region starting at or before it, or one of
    `limit` equal slices between the first and the last sentence."""
    if regions:
        bounds = sorted(region.sort_key() for region in regions)
        firsts = [lo for lo, _ in bounds]

        def in_regions(span: Span) -> int:
            start = span.sort_key()[0]
            r = bisect_right(firsts, start) - 1
            return r if r >= 0 and start <= bounds[r][1] else -1

        return in_regions
    starts = [s.span.sort_key()[0] for s in sentences]
    lo, width = min(starts), max(starts) - min(starts)

    def in_slices(span: Span) -> int:
        if width <= 0:
            return 0
        return min(limit - 1, int((span.sort_key()[0] - lo) / width * limit))

    return in_slices


def summary_text(sentences: Sequence[SummarySentence]) -> str:
    return " ".join(" ".join(s.text.split()) for s in sentences)
