"""Topic boundaries between consecutive units (chunks) of a document, TextTiling-style.

Each gap between unit i-1 and unit i is scored by the cosine similarity of the `block` units
before it and the `block` units after it (their mean vectors). A gap's depth is how far that
similarity dips below the nearest peaks on both sides (Hearst's TextTiling); boundaries go
where the depth is a local maximum and at least `max(MIN_DEPTH, mean - std / 2)`, and where
neighbours share almost nothing (similarity below `LOW_SIMILARITY`). Gaps next to a unit
without any text (a zero vector) carry no evidence and are never chosen. When more
boundaries qualify than allowed, the deepest win; equal depths go to the gap that splits the
longest remaining segment, most evenly.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection

from analysis.vectors import F32, mean_vector

MIN_DEPTH = 0.2  # below this a dip is noise (edges, sampling), not a change of topic
LOW_SIMILARITY = 0.05


def gap_similarities(vectors: F32, block: int) -> list[float | None]:
    """Similarity across each gap 1..n-1 (index 0 is unused and None)."""
    n = vectors.shape[0]
    sims: list[float | None] = [None]
    for i in range(1, n):
        left = mean_vector(vectors[max(0, i - block) : i])
        right = mean_vector(vectors[i : i + block])
        if not left.any() or not right.any():
            sims.append(None)
        else:
            sims.append(float(left @ right))
    return sims


def depth_scores(sims: list[float | None]) -> dict[int, float]:
    """TextTiling depth of every scored gap: (left peak - s) + (right peak - s)."""
    depths: dict[int, float] = {}
    for i, s in enumerate(sims):
        if s is None:
            continue
        peaks = []
        for step in (-1, 1):
            peak, j = s, i + step
            while 0 <= j < len(sims) and (value := sims[j]) is not None and value >= peak:
                peak, j = value, j + step
            peaks.append(peak)
        depths[i] = (peaks[0] - s) + (peaks[1] - s)
    return depths


def candidates(sims: list[float | None]) -> dict[int, float]:
    """Gaps that qualify as topic boundaries, with their strength."""
    depths = depth_scores(sims)
    if not depths:
        return {}
    values = list(depths.values())
    spread = statistics.pstdev(values) if len(values) > 1 else 0.0
    cutoff = max(MIN_DEPTH, statistics.fmean(values) - spread / 2)
    chosen: dict[int, float] = {}
    for i, depth in depths.items():
        local_max = depth >= depths.get(i - 1, 0.0) and depth >= depths.get(i + 1, 0.0)
        similarity = sims[i]
        if similarity is not None and similarity < LOW_SIMILARITY:
            chosen[i] = max(depth, 1.0 - similarity)
        elif local_max and depth >= cutoff:
            chosen[i] = depth
    return chosen


def boundaries(vectors: F32, *, forced: Collection[int], max_segments: int) -> list[int]:
    """Indices i where a new segment starts at unit i (never 0), sorted.

    `forced` gaps (e.g. a failed chunk between two units) are always boundaries; topic
    boundaries are added until there are `max_segments` segments.
    """
    n = vectors.shape[0]
    block = 1 if n < 6 else 2
    pool = {
        i: d for i, d in candidates(gap_similarities(vectors, block)).items() if i not in forced
    }
    chosen = set(forced)
    budget = max(0, max_segments - 1 - len(chosen))
    while pool and budget > 0:
        cuts = sorted(chosen | {0, n})
        best = max(pool, key=lambda i: (round(pool[i], 2), *_balance(cuts, i), -i))
        chosen.add(best)
        del pool[best]
        budget -= 1
    return sorted(chosen)


def _balance(cuts: list[int], i: int) -> tuple[int, int]:
    """(length of the segment gap i would split, length of its shorter part)."""
    lo = max(c for c in cuts if c < i)
    hi = min(c for c in cuts if c > i)
    return (hi - lo, min(i - lo, hi - i))
