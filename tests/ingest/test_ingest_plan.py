"""Page-range planning on plain token estimates."""

from __future__ import annotations

import random

import pytest

from ingest.plan import plan_pages, text_tokens
from ingest.types import ChunkPlan


def _check(plans: list[ChunkPlan], estimates: list[int], budget: int, max_pages: int) -> None:
    """Chunks are in order, cover every page, respect both limits and advance each time."""
    covered_to = 0
    for index, plan in enumerate(plans):
        first, last = plan.span.page_start, plan.span.page_end
        assert first is not None and last is not None
        assert plan.index == index
        assert first == covered_to + 1 - plan.overlap_pages
        assert last > covered_to
        assert last - first + 1 <= max_pages
        assert plan.token_estimate == sum(estimates[first - 1 : last])
        if last - first + 1 > 1:
            assert plan.token_estimate <= budget
        covered_to = last
    assert covered_to == len(estimates)


def test_one_page_gives_one_chunk() -> None:
    plans = plan_pages([120], context_tokens=8000, max_pages=20, overlap_pages=2)
    assert [(p.span.label(), p.overlap_pages, p.token_estimate) for p in plans] == [
        ("p. 1", 0, 120)
    ]


def test_overlap_is_recorded_and_included_in_span() -> None:
    plans = plan_pages([100] * 10, context_tokens=400, max_pages=10, overlap_pages=1)
    assert [p.span.label() for p in plans] == ["pp. 1–4", "pp. 4–7", "pp. 7–10"]
    assert [p.overlap_pages for p in plans] == [0, 1, 1]


def test_max_pages_binds_before_tokens() -> None:
    plans = plan_pages([10] * 7, context_tokens=10_000, max_pages=3, overlap_pages=0)
    assert [p.span.label() for p in plans] == ["pp. 1–3", "pp. 4–6", "p. 7"]


def test_oversized_page_stands_alone() -> None:
    plans = plan_pages([100, 100, 5000, 100], context_tokens=1000, max_pages=10, overlap_pages=2)
    assert [p.span.label() for p in plans] == ["pp. 1–2", "p. 3", "p. 4"]
    assert [p.token_estimate for p in plans] == [200, 5000, 100]


def test_overlap_shrinks_to_leave_room_for_a_new_page() -> None:
    plans = plan_pages([300, 300, 300, 600], context_tokens=1000, max_pages=10, overlap_pages=2)
    assert [(p.span.label(), p.overlap_pages) for p in plans] == [("pp. 1–3", 0), ("pp. 3–4", 1)]


def test_overlap_never_stalls_with_one_page_chunks() -> None:
    plans = plan_pages([10] * 5, context_tokens=100, max_pages=1, overlap_pages=3)
    assert [p.span.label() for p in plans] == ["p. 1", "p. 2", "p. 3", "p. 4", "p. 5"]


@pytest.mark.parametrize("seed", range(20))
def test_random_estimates_keep_invariants(seed: int) -> None:
    rng = random.Random(seed)
    estimates = [rng.choice([1, 50, 600, 900, 3000]) for _ in range(rng.randint(1, 80))]
    budget, max_pages, overlap = rng.randint(500, 8000), rng.randint(1, 12), rng.randint(0, 4)
    plans = plan_pages(estimates, budget, max_pages, overlap)
    _check(plans, estimates, budget, max_pages)
    assert plans == plan_pages(estimates, budget, max_pages, overlap)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        plan_pages([1], context_tokens=0, max_pages=1, overlap_pages=0)
    with pytest.raises(ValueError):
        plan_pages([1], context_tokens=10, max_pages=1, overlap_pages=-1)


def test_text_tokens() -> None:
    assert [text_tokens(n) for n in (0, 1, 4, 5, 4000)] == [1, 1, 1, 2, 1000]
