from __future__ import annotations

from analysis import aggregate, coalesce
from analysis.coverage import subtract
from ingest.types import Span
from tests.analysis.factories import EXTENT, P, results, row, source


def test_coalesce_merges_overlapping_and_adjacent_page_ranges() -> None:
    assert coalesce([P(5, 8), P(1, 4), P(3, 5), P(10, 12)]) == [P(1, 8), P(10, 12)]


def test_coalesce_time_spans() -> None:
    spans = [Span.seconds(30, 60), Span.seconds(0, 30), Span.seconds(90, 120)]
    assert coalesce(spans) == [Span.seconds(0, 60), Span.seconds(90, 120)]


def test_subtract_finds_holes_at_both_ends_and_between() -> None:
    assert subtract(P(1, 10), [P(3, 4), P(7, 8)]) == [P(1, 2), P(5, 6), P(9, 10)]
    assert subtract(Span.seconds(0, 100), [Span.seconds(10, 50)]) == [
        Span.seconds(0, 10),
        Span.seconds(50, 100),
    ]
    assert subtract(P(1, 10), [P(1, 10)]) == []


def test_failed_chunk_leaves_a_gap_with_its_reason() -> None:
    report = aggregate(
        source=source(),
        processing=[row(0), row(1, status="failed", error="provider timeout"), row(2)],
        results=results(0, 2),
        custody=[],
        extent=EXTENT,
    )
    cov = report.coverage
    assert cov.analyzed == [P(1, 4), P(7, 10)]
    assert len(cov.gaps) == 1
    gap = cov.gaps[0]
    assert gap.span == P(5, 6)
    assert "chunk 1" in gap.reason
    assert "provider timeout" in gap.reason


def test_failed_chunk_covered_by_neighbours_overlap_leaves_no_gap() -> None:
    # chunk 1 spans pp. 4–5 only: p. 4 belongs to chunk 0, p. 5 is chunk 2's overlap.
    spans = {0: P(1, 4), 1: P(4, 5), 2: P(5, 10)}
    done = results(0, 2)
    done[2] = done[2].model_copy(update={"span": spans[2]})
    report = aggregate(
        source=source(),
        processing=[
            row(0),
            row(1, status="failed", error="boom", span=spans[1]),
            row(2, span=spans[2]),
        ],
        results=done,
        custody=[],
        extent=EXTENT,
    )
    assert report.coverage.gaps == []
    assert report.coverage.analyzed == [P(1, 10)]


def test_unplanned_tail_is_a_gap_too() -> None:
    report = aggregate(
        source=source(pages=12),
        processing=[row(0), row(1), row(2)],
        results=results(0, 1, 2),
        custody=[],
        extent=P(1, 12),
    )
    assert [(g.span, g.reason) for g in report.coverage.gaps] == [
        (P(11, 12), "not covered by any planned chunk")
    ]


def test_done_row_without_result_is_not_silently_covered() -> None:
    report = aggregate(
        source=source(),
        processing=[row(0), row(1), row(2)],
        results=results(0, 2),
        custody=[],
        extent=EXTENT,
    )
    assert [g.span for g in report.coverage.gaps] == [P(5, 6)]
    assert "no result recorded" in report.coverage.gaps[0].reason
