"""`diverse_sentences`: the earlier extractive reducer, kept for callers that use it.

Top-scoring sentences spread over the document: the best sentence of each region first, then
the best of the rest. `aggregate` now reduces through sections (`analysis.summary`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence

from analysis.merge import sorted_by_span
from analysis.schema import SummarySentence
from ingest.types import Span


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
