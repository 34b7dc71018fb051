"""Coverage (what was analysed, and every gap with its reason) and processing totals.

A report never hides a gap: any part of the file that no succeeded chunk covered is listed
with the reason of the chunk(s) that should have covered it. A failed chunk whose pages are
all covered by its neighbours' overlap leaves no gap.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence

from analysis.schema import (
    ChunkProcessing,
    Coverage,
    Gap,
    Processing,
    ProcessingTotals,
    SummaryProcessing,
)
from ingest.types import Span

EPSILON_S = 0.001  # spans are rounded to milliseconds; anything shorter is rounding noise


def _bounds(span: Span) -> tuple[float, float]:
    return span.sort_key()


def _make(like: Span, start: float, end: float) -> Span:
    if like.is_pages:
        return Span.pages(int(start), int(end))
    return Span.seconds(start, end)


def _touches(like: Span, end: float, next_start: float) -> bool:
    if like.is_pages:
        return next_start <= end + 1
    return next_start <= end + EPSILON_S


def coalesce(spans: Iterable[Span]) -> list[Span]:
    """Merge overlapping or adjacent spans of one kind (pages 1–4 and 5–8 become 1–8)."""
    ordered = sorted(spans, key=Span.sort_key)
    if not ordered:
        return []
    merged: list[tuple[float, float]] = []
    for span in ordered:
        start, end = _bounds(span)
        if merged and _touches(ordered[0], merged[-1][1], start):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return [_make(ordered[0], start, end) for start, end in merged]


def subtract(extent: Span, covered: Sequence[Span]) -> list[Span]:
    """The parts of `extent` outside every span of `covered` (which must be coalesced)."""
    lo, hi = _bounds(extent)
    step = 1.0 if extent.is_pages else 0.0
    holes: list[Span] = []
    cursor = lo
    for span in covered:
        start, end = _bounds(span)
        if end < lo or start > hi:
            continue
        if start - step - cursor >= (0 if extent.is_pages else EPSILON_S):
            holes.append(_make(extent, cursor, min(start - step, hi)))
        cursor = max(cursor, end + step)
    if hi - cursor >= (0 if extent.is_pages else EPSILON_S):
        holes.append(_make(extent, cursor, hi))
    return holes


def _gap_reason(gap: Span, rows: Sequence[ChunkProcessing], succeeded: Collection[int]) -> str:
    reasons: list[str] = []
    for row in rows:
        if row.index in succeeded or not row.span.overlaps(gap):
            continue
        if row.status == "failed":
            reasons.append(f"chunk {row.index} ({row.span.label()}) failed: {row.error or '?'}")
        elif row.status == "done":
            reasons.append(f"chunk {row.index} ({row.span.label()}): no result recorded")
        else:
            detail = f": {row.error}" if row.error else ""
            reasons.append(f"chunk {row.index} ({row.span.label()}) {row.status}{detail}")
    return "; ".join(reasons) or "not covered by any planned chunk"


def build_coverage(
    extent: Span,
    rows: Sequence[ChunkProcessing],
    analyzed_spans: dict[int, Span],
    known_gaps: Sequence[Gap] = (),
) -> Coverage:
    """`analyzed_spans` maps each succeeded chunk's index to its span.

    `known_gaps` are parts ingest could not read (e.g. pages past the cut of a truncated
    file): a chunk "analysed" them only in name, so they leave `analyzed` and become gaps.
    """
    same_kind = [s for s in analyzed_spans.values() if s.is_pages == extent.is_pages]
    unreadable = coalesce(gap.span for gap in known_gaps)
    analyzed = [piece for span in coalesce(same_kind) for piece in subtract(span, unreadable)]
    # A known gap explains its pages better than the chunk that failed on them.
    explained = coalesce([*same_kind, *unreadable])
    gaps = [
        Gap(span=hole, reason=_gap_reason(hole, rows, analyzed_spans.keys()))
        for hole in subtract(extent, explained)
    ]
    gaps.extend(known_gaps)
    gaps.sort(key=lambda gap: gap.span.sort_key())
    return Coverage(analyzed=analyzed, gaps=gaps)


# ---------------------------------------------------------------------------- processing

_COUNTED = ("input_tokens", "output_tokens", "cached_tokens", "cost_usd", "latency_ms")


def build_processing(rows: Iterable[ChunkProcessing]) -> Processing:
    """The per-chunk rows in index order, with totals over all of them and per provider."""
    chunks = sorted(rows, key=lambda row: row.index)
    by_provider: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(_COUNTED, 0))
    for row in chunks:
        if row.provider is None:
            continue
        bucket = by_provider[row.provider]
        bucket["chunks"] = bucket.get("chunks", 0) + 1
        for name in _COUNTED:
            bucket[name] += getattr(row, name)
    for bucket in by_provider.values():
        bucket["cost_usd"] = round(bucket["cost_usd"], 6)
    totals = ProcessingTotals(
        chunks=len(chunks),
        chunks_succeeded=sum(row.status == "done" for row in chunks),
        chunks_failed=sum(row.status == "failed" for row in chunks),
        input_tokens=sum(row.input_tokens for row in chunks),
        output_tokens=sum(row.output_tokens for row in chunks),
        cached_tokens=sum(row.cached_tokens for row in chunks),
        cost_usd=round(sum(row.cost_usd for row in chunks), 6),
        latency_ms=sum(row.latency_ms for row in chunks),
        by_provider={name: by_provider[name] for name in sorted(by_provider)},
    )
    return Processing(chunks=chunks, totals=totals)


def add_summary(processing: Processing, summary: SummaryProcessing) -> Processing:
    """`processing` with the summary step's requests counted in the totals and per provider."""
    totals = processing.totals.model_copy(deep=True)
    bucket = totals.by_provider.setdefault(summary.provider, dict.fromkeys(_COUNTED, 0))
    for name in _COUNTED:
        value = getattr(summary, name)
        setattr(totals, name, getattr(totals, name) + value)
        bucket[name] = bucket.get(name, 0) + value
    totals.cost_usd = round(totals.cost_usd, 6)
    bucket["cost_usd"] = round(bucket["cost_usd"], 6)
    bucket["summary_requests"] = summary.requests
    bucket["summary_cost_usd"] = round(summary.cost_usd, 6)
    return processing.model_copy(update={"totals": totals, "summary": summary})
