"""Merging findings from overlapping chunks.

Chunks overlap: chunk k's span begins with pages (or seconds) chunk k-1 already saw, so one
finding can arrive twice. Merging is a multiset union: a finding seen n times by one chunk and
m times by a neighbour at the same place is kept max(n, m) times, never n + m. "The same place"
is the same page span for documents; for media, starts within `TIME_TOLERANCE_S` or spans that
truly intersect, because two chunks rarely time one utterance identically.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

from analysis.schema import Event
from ingest.types import Span

T = TypeVar("T")

TIME_TOLERANCE_S = 1.0

ChunkGroup = tuple[Span, Sequence[T]]
"""The findings of one chunk, with the chunk's span (overlap included)."""


def norm_text(text: str) -> str:
    """Comparison form of free text: NFKC, casefolded, whitespace collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def same_place(a: Span, b: Span) -> bool:
    """Whether two findings' spans denote the same place in the source."""
    if a.is_pages or b.is_pages:
        return a == b
    a0, a1 = a.sort_key()
    b0, b1 = b.sort_key()
    return abs(a0 - b0) <= TIME_TOLERANCE_S or min(a1, b1) - max(a0, b0) > 0


def union_across_chunks(
    groups: Sequence[ChunkGroup[T]],
    *,
    key: Callable[[T], Hashable],
    span: Callable[[T], Span],
) -> list[T]:
    """Multiset union of per-chunk findings; `groups` must be in document order.

    A finding is dropped when an earlier, overlapping chunk kept one with the same `key` at
    the same place; each earlier finding can absorb one finding per later chunk.
    """
    kept: list[list[T]] = []
    merged: list[T] = []
    for k, (_, items) in enumerate(groups):
        available: dict[Hashable, list[Span]] = defaultdict(list)
        for j in _overlapping_before(groups, k):
            for earlier in kept[j]:
                available[key(earlier)].append(span(earlier))
        mine = [item for item in items if not _consume(available.get(key(item)), span(item))]
        kept.append(mine)
        merged.extend(mine)
    return merged


def _overlapping_before(groups: Sequence[ChunkGroup[T]], k: int) -> list[int]:
    """Indices of earlier chunks whose spans overlap chunk k (walking back to the first miss)."""
    found: list[int] = []
    for j in range(k - 1, -1, -1):
        if not groups[j][0].overlaps(groups[k][0]):
            break
        found.append(j)
    return found


def _consume(candidates: list[Span] | None, where: Span) -> bool:
    if not candidates:
        return False
    for i, candidate in enumerate(candidates):
        if same_place(candidate, where):
            del candidates[i]
            return True
    return False


def sorted_by_span(items: list[T], span: Callable[[T], Span]) -> list[T]:
    """Stable sort by position in the source."""
    return sorted(items, key=lambda item: span(item).sort_key())


# ---------------------------------------------------------------------------- timeline


def date_key(date: str | None) -> tuple[int, tuple[int, ...], str]:
    """Sort key for ISO dates: partial dates ('2020', '2020-03') sort before full dates of the
    same period; unparseable dates after all parseable ones; undated last."""
    if not date or not date.strip():
        return (2, (), "")
    head = date.strip().split("T", 1)[0]
    try:
        parts = tuple(int(part) for part in head.split("-"))
    except ValueError:
        return (1, (), date)
    return (0, parts, "")


def merge_timeline(groups: Sequence[ChunkGroup[Event]]) -> list[Event]:
    """Events de-duplicated (same date, place and quote), ordered by date, then position."""
    events = union_across_chunks(
        groups, key=lambda e: (e.date, norm_text(e.quote)), span=lambda e: e.span
    )
    return sorted(events, key=lambda e: (date_key(e.date), e.span.sort_key()))
