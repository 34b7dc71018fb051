"""Aggregation of a media file: two overlapping time chunks, the second failing or not."""

from __future__ import annotations

import json

import analysis
from analysis import aggregate, render
from analysis.schema import (
    ChunkProcessing,
    ChunkResult,
    Report,
    Scene,
    Source,
    TranscriptSegment,
)
from ingest.types import Span

S = Span.seconds
SPANS = {0: S(0, 60), 1: S(50, 110), 2: S(100, 150)}


def _row(index: int, status: str = "done", error: str | None = None) -> ChunkProcessing:
    return ChunkProcessing(
        index=index,
        span=SPANS[index],
        provider="gemini",
        model="flash",
        reason="policy=latency",
        attempts=1,
        status=status,
        error=error,
    )


def _result(index: int, segments: list[TranscriptSegment], scenes: list[Scene]) -> ChunkResult:
    return ChunkResult(
        chunk_index=index,
        span=SPANS[index],
        provider="gemini",
        model="flash",
        transcript=segments,
        scenes=scenes,
    )


def _report(chunk2_failed: bool) -> Report:
    results = {
        0: _result(
            0,
            [TranscriptSegment(span=S(52, 57), speaker="A", text="We start the hearing.")],
            [Scene(span=S(40, 60), description="Courtroom wide shot")],
        ),
        1: _result(
            1,
            [
                TranscriptSegment(span=S(52.3, 57.1), speaker="A", text="we start the hearing"),
                TranscriptSegment(span=S(70, 75), speaker="B", text="Objection."),
            ],
            [Scene(span=S(40.5, 62), description="Courtroom wide shot")],
        ),
    }
    rows = [_row(0), _row(1), _row(2, "failed", "upload rejected") if chunk2_failed else _row(2)]
    if not chunk2_failed:
        results[2] = _result(2, [], [])
    source = Source(
        filename="hearing.mp4",
        sha256="cd" * 32,
        media_type="video/mp4",
        size_bytes=999,
        duration_s=150.0,
    )
    return aggregate(source=source, processing=rows, results=results, custody=[], extent=S(0, 150))


def test_media_transcript_and_scenes_merge_over_the_time_overlap() -> None:
    report = _report(chunk2_failed=False)
    assert [(s.speaker, s.text) for s in report.transcript] == [
        ("A", "We start the hearing."),
        ("B", "Objection."),
    ]
    assert len(report.scenes) == 1
    assert report.coverage.analyzed == [S(0, 150)]
    assert report.coverage.gaps == []


def test_media_gap_starts_where_the_last_good_chunk_ends() -> None:
    report = _report(chunk2_failed=True)
    assert [(g.span, "upload rejected" in g.reason) for g in report.coverage.gaps] == [
        (S(110, 150), True)
    ]
    data = json.loads(str(render(report, "json")))
    assert data["coverage"]["gaps"][0]["span"] == {"start_s": 110.0, "end_s": 150.0}
    md = str(render(report, "md"))
    assert "00:01:50–00:02:30" in md
    assert "- **Duration:** 00:02:30" in md


def test_public_names_exist() -> None:
    for name in analysis.__all__:
        assert hasattr(analysis, name), name


def test_media_report_renders_subtitles_and_stitched_scenes() -> None:
    report = _report(chunk2_failed=False)
    srt = str(render(report, "srt"))
    assert srt.startswith("1\n00:00:52,000 --> 00:00:57,000\nA: We start the hearing.\n")
    assert srt.count("hearing") == 1
    vtt = str(render(report, "vtt"))
    assert vtt.startswith("WEBVTT\n\n00:00:52.000 --> 00:00:57.000\n<v A>We start the hearing.")
    assert [(s.span.start_s, s.span.end_s) for s in report.scenes] == [(40.0, 62.0)]
