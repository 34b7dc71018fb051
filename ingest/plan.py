"""Page-range chunk planning: pure arithmetic on per-page token estimates."""

from __future__ import annotations

from collections.abc import Sequence

from ingest.types import ChunkPlan, Span

CHARS_PER_TOKEN = 4
IMAGE_PAGE_TOKENS = 600  # a page that needs OCR: about what a dense typed page yields


def text_tokens(chars: int) -> int:
    """Token estimate for `chars` characters of text (at least 1, so every page costs something)."""
    return max(1, -(-chars // CHARS_PER_TOKEN))


def plan_pages(
    estimates: Sequence[int], context_tokens: int, max_pages: int, overlap_pages: int
) -> list[ChunkPlan]:
    """Greedy page-range chunks over `estimates` (index 0 is page 1).

    Each chunk holds as many pages as fit in `context_tokens` and `max_pages`, starting with up
    to `overlap_pages` pages from the end of the previous chunk. The overlap shrinks when it
    would leave no room for a new page, so every chunk advances. A single page larger than the
    budget becomes a chunk of its own (its estimate then exceeds `context_tokens`).
    """
    if context_tokens < 1 or max_pages < 1 or overlap_pages < 0:
        raise ValueError("context_tokens and max_pages must be >= 1, overlap_pages >= 0")
    plans: list[ChunkPlan] = []
    total_pages = len(estimates)
    next_page = 1  # first page not yet in any chunk
    overlap = 0
    while next_page <= total_pages:
        first = next_page - overlap
        used = sum(estimates[first - 1 : next_page - 1])
        last = next_page - 1
        while last < total_pages and last - first + 1 < max_pages:
            cost = estimates[last]
            if last >= next_page and used + cost > context_tokens:
                break
            used += cost
            last += 1
        plans.append(
            ChunkPlan(
                index=len(plans),
                span=Span.pages(first, last),
                overlap_pages=overlap,
                token_estimate=used,
            )
        )
        next_page = last + 1
        overlap = _fitting_overlap(
            estimates, first, next_page, context_tokens, max_pages, overlap_pages
        )
    return plans


def _fitting_overlap(
    estimates: Sequence[int],
    first: int,
    next_page: int,
    context_tokens: int,
    max_pages: int,
    wanted: int,
) -> int:
    """The largest overlap <= `wanted` that still leaves room for page `next_page`."""
    if next_page > len(estimates):
        return 0
    overlap = min(wanted, max_pages - 1, next_page - first)
    budget = context_tokens - estimates[next_page - 1]
    while overlap > 0 and sum(estimates[next_page - 1 - overlap : next_page - 1]) > budget:
        overlap -= 1
    return overlap
