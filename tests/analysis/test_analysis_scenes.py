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


def shot(start: float, end: float, number: int, seen: str = "", *, marked: bool = False) -> Scene:
    """A scene as the local engine describes it ('Shot N, X s' numbered within its chunk)."""
    text = f"Shot {number}, {end - start:.1f} s" + (f"; on screen: “{seen}”" if seen else "")
    return Scene(span=S(start, end), description=text, keyframe=f"kf{start:g}.jpg",
                 continues_previous=marked)  # fmt: skip


def test_a_marked_first_scene_joins_the_previous_chunks_last_scene() -> None:
    """Video segments start at the chunk's cut (8, 16), after the overlap (6-8, 14-16)."""
    groups = [
        (S(0, 8), [shot(0, 5, 1), shot(5, 8, 2, "Exhibit 4")]),
        (S(6, 16), [shot(8, 10, 1, "Exhibit 4 | Room 3", marked=True), shot(10, 15, 2),
                    shot(15, 16, 3)]),
        (S(14, 20), [shot(16, 20, 1, marked=True)]),
    ]  # fmt: skip
    merged = merge_scenes(groups)
    assert spans(merged) == [(0, 5), (5, 10), (10, 15), (15, 20)]
    assert [s.description for s in merged] == [
        "Shot 1, 5.0 s",
        "Shot 2, 5.0 s; on screen: “Exhibit 4 | Room 3”",  # numbered in the report, real length
        "Shot 3, 5.0 s",
        "Shot 4, 5.0 s",
    ]
    assert [s.keyframe for s in merged] == ["kf0.jpg", "kf5.jpg", "kf10.jpg", "kf15.jpg"]
    assert not any(s.continues_previous for s in merged)


def test_an_unmarked_scene_at_a_border_stays_a_cut() -> None:
    """A chunk cut on a real scene cut: the provider saw the cut and did not mark it."""
    groups = [
        (S(0, 8), [shot(0, 8, 1)]),
        (S(6, 16), [shot(8, 16, 1)]),
        (S(14, 24), [shot(16, 24, 1)]),
    ]
    assert spans(merge_scenes(groups)) == [(0, 8), (8, 16), (16, 24)]
    touching = [(S(0, 8), [shot(0, 8, 1)]), (S(8, 16), [shot(8, 16, 1)])]
    assert spans(merge_scenes(touching, cuts_s=[])) == [(0, 16)]  # known: no cut there
    assert spans(merge_scenes(touching)) == [(0, 8), (8, 16)]


def test_a_mark_needs_the_scenes_to_touch_and_no_known_cut_at_the_border() -> None:
    apart = [(S(0, 8), [shot(0, 7.5, 1)]), (S(6, 16), [shot(8, 16, 1, marked=True)])]
    assert spans(merge_scenes(apart)) == [(0, 7.5), (8, 16)]
    near = [(S(0, 8), [shot(0, 7.95, 1)]), (S(6, 16), [shot(8, 16, 1, marked=True)])]
    assert spans(merge_scenes(near)) == [(0, 16)]
    touching = [(S(0, 8), [shot(0, 8, 1)]), (S(8, 16), [shot(8, 16, 1, marked=True)])]
    assert spans(merge_scenes(touching)) == [(0, 16)]
    assert spans(merge_scenes(touching, cuts_s=[8.02])) == [(0, 8), (8, 16)]


def test_a_mark_after_a_failed_chunk_stays_on_the_scene() -> None:
    groups = [(S(0, 8), [shot(0, 8, 1)]), (S(14, 24), [shot(16, 24, 1, marked=True)])]
    merged = merge_scenes(groups)
    assert spans(merged) == [(0, 8), (16, 24)]
    assert [s.continues_previous for s in merged] == [False, True]


def test_joined_model_descriptions_are_combined_once() -> None:
    same = Scene(span=S(8, 12), description="A man at a desk.", continues_previous=True)
    other = Scene(span=S(8, 12), description="He picks up a phone.", continues_previous=True)
    first = Scene(span=S(2, 8), description="A man at a desk")
    assert merge_scenes([(S(0, 8), [first]), (S(6, 12), [same])])[0].description == (
        "A man at a desk"
    )
    joined = merge_scenes([(S(0, 8), [first]), (S(6, 12), [other])])
    assert [(s.span, s.description, s.keyframe) for s in joined] == [
        (S(2, 12), "A man at a desk / He picks up a phone.", None)
    ]
