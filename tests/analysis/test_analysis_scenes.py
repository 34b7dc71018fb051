"""Scenes and on-screen text across chunk borders, and coverage in seconds."""

from __future__ import annotations

from analysis.coverage import build_coverage, coalesce, subtract
from analysis.scenes import merge_onscreen, merge_scenes
from analysis.schema import ChunkProcessing, OnScreenText, Scene
from ingest.types import Span

S = Span.seconds
A, B = S(0, 60), S(56, 120)  # a 4-second overlap, 56–60


def scene(start: float, end: float, name: str) -> Scene:
    return Scene(span=S(start, end), description=name, keyframe=f"{name}.jpg")


def spans(scenes: list[Scene]) -> list[tuple[float | None, float | None]]:
    return [(s.span.start_s, s.span.end_s) for s in scenes]


def test_a_shot_across_the_border_becomes_one_scene() -> None:
    first = [scene(0, 30, "a1"), scene(30, 60, "a2")]
    second = [scene(56, 90, "b1"), scene(90, 120, "b2")]
    merged = merge_scenes([(A, first), (B, second)])
    assert spans(merged) == [(0, 30), (30, 90), (90, 120)]
    assert merged[1].description == "b1"  # the source covering most of the merged shot


def test_a_cut_inside_the_overlap_seen_by_both_is_one_cut() -> None:
    first = [scene(0, 30, "a1"), scene(30, 58, "a2"), scene(58, 60, "a3")]
    second = [scene(56, 58.04, "b1"), scene(58.04, 90, "b2")]
    merged = merge_scenes([(A, first), (B, second)])
    assert spans(merged) == [(0, 30), (30, 58), (58, 90)]
    assert [s.keyframe for s in merged] == ["a1.jpg", "a2.jpg", "b2.jpg"]


def test_a_cut_only_one_chunk_saw_is_kept() -> None:
    first = [scene(0, 57.5, "a1"), scene(57.5, 60, "a2")]
    second = [scene(56, 100, "b1")]  # the later chunk missed the cut at 57.5
    merged = merge_scenes([(A, first), (B, second)])
    assert spans(merged) == [(0, 57.5), (57.5, 100)]


def test_a_cut_at_the_later_chunks_start_is_seen_by_the_earlier_chunk() -> None:
    first = [scene(0, 56, "a1"), scene(56, 60, "a2")]
    second = [scene(56, 80, "b1")]  # its first scene starts at its own edge: no evidence
    assert spans(merge_scenes([(A, first), (B, second)])) == [(0, 56), (56, 80)]


def test_touching_chunks_merge_only_when_the_cuts_are_known_and_none_is_there() -> None:
    first, second = [scene(10, 60, "a")], [scene(60, 80, "b")]
    groups = [(S(0, 60), first), (S(60, 120), second)]
    assert spans(merge_scenes(groups)) == [(10, 60), (60, 80)]  # unknown: keep both
    assert spans(merge_scenes(groups, cuts_s=[60.02])) == [(10, 60), (60, 80)]  # a real cut
    assert spans(merge_scenes(groups, cuts_s=[35.0])) == [(10, 80)]


def test_chunks_with_a_gap_between_them_are_not_stitched() -> None:
    groups = [(S(0, 60), [scene(0, 60, "a")]), (S(116, 180), [scene(116, 150, "c")])]
    assert spans(merge_scenes(groups, cuts_s=[])) == [(0, 60), (116, 150)]


def test_three_chunks_one_long_shot() -> None:
    groups = [
        (S(0, 60), [scene(0, 60, "a")]),
        (S(56, 120), [scene(56, 120, "b")]),
        (S(116, 150), [scene(116, 150, "c")]),
    ]
    assert spans(merge_scenes(groups)) == [(0, 150)]


def test_onscreen_text_continuing_over_a_border_is_one_item() -> None:
    first = [
        OnScreenText(span=S(50, 59.5), text="SMITH v. JONES"),
        OnScreenText(span=S(5, 6), text="Exhibit 4"),
    ]
    second = [
        OnScreenText(span=S(57, 70), text="SMITH v JONES"),  # OCR lost the dot
        OnScreenText(span=S(90, 95), text="SMITH v. JONES"),  # shown again later: its own item
        OnScreenText(span=S(58, 59), text="Courtroom 3"),
    ]
    merged = merge_onscreen([(A, first), (B, second)])
    assert [(o.span.start_s, o.span.end_s, o.text) for o in merged] == [
        (5, 6, "Exhibit 4"),
        (50, 70, "SMITH v. JONES"),
        (58, 59, "Courtroom 3"),
        (90, 95, "SMITH v. JONES"),
    ]


def _row(index: int, span: Span, status: str, error: str | None = None) -> ChunkProcessing:
    return ChunkProcessing(
        index=index, span=span, provider="local", model="m", reason="r", attempts=1,
        status=status, error=error,
    )  # fmt: skip


def test_coverage_in_seconds_with_overlaps_and_a_failed_middle_chunk() -> None:
    chunks = {0: S(0, 60), 1: S(56, 120), 2: S(116, 180)}
    rows = [_row(0, chunks[0], "done"), _row(1, chunks[1], "failed", "decoder crashed")]
    rows.append(_row(2, chunks[2], "done"))
    coverage = build_coverage(S(0, 180), rows, {0: chunks[0], 2: chunks[2]})
    assert coverage.analyzed == [S(0, 60), S(116, 180)]
    assert [g.span for g in coverage.gaps] == [S(60, 116)]
    assert "decoder crashed" in coverage.gaps[0].reason


def test_coalesce_and_subtract_on_seconds() -> None:
    assert coalesce([S(56, 120), S(0, 60), S(120, 130)]) == [S(0, 130)]
    assert subtract(S(0, 100), [S(10, 20), S(50, 100)]) == [S(0, 10), S(20, 50)]
    assert subtract(S(0, 100), [S(0, 99.9999)]) == []  # spans are rounded to milliseconds


def test_a_chunk_without_scenes_before_others_is_harmless() -> None:
    groups = [(S(0, 60), []), (S(60, 120), [scene(60, 80, "b")])]
    assert spans(merge_scenes(groups, cuts_s=[])) == [(60, 80)]
    groups = [(S(0, 60), []), (S(56, 120), [scene(56, 80, "b")])]
    assert spans(merge_scenes(groups)) == [(56, 80)]
