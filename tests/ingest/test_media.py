"""Video/audio ingest on generated media: probe, plan, and payloads with actual spans."""

from __future__ import annotations

import itertools
import shutil
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ffmpeg
import numpy as np
import pytest
from PIL import Image

from fixtures import mediagen
from ingest import IngestLimits, MediaBackend, open_backend, sniff_file
from ingest.backend import ChunkBudget
from ingest.types import FRAME_BEFORE_SEGMENT, Chunk, ChunkPart, ChunkPlan
from tests.ingest.conftest import GOP_S, SHOT_S, SHOTS

FRAME_S = 1 / 25
BUDGET = ChunkBudget(chunk_seconds=4.0, overlap_s=1.0)


@pytest.fixture
def backend(cut_video: Path) -> Iterator[MediaBackend]:
    with MediaBackend(cut_video) as opened:
        yield opened


def parts(chunk: Chunk, kind: str) -> list[ChunkPart]:
    """The chunk's parts of `kind` (for images: its keyframes, not the frame before it)."""
    return [
        part for part in chunk.parts if part.kind == kind and part.method != FRAME_BEFORE_SEGMENT
    ]


def frames_before(chunk: Chunk) -> list[ChunkPart]:
    return [part for part in chunk.parts if part.method == FRAME_BEFORE_SEGMENT]


def pixels(part: ChunkPart) -> np.ndarray[Any, np.dtype[np.int16]]:
    with Image.open(part.path or "") as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


def video_seconds(path: str) -> float:
    """ffprobe's duration of the video stream of a segment."""
    streams = ffmpeg.probe(path, select_streams="v:0")["streams"]
    return float(streams[0]["duration"])


def test_probe_fields(backend: MediaBackend) -> None:
    probe = backend.probe()
    assert probe.duration_s == pytest.approx(SHOTS * SHOT_S, abs=0.05)
    assert probe.container.startswith("mov,mp4")
    assert probe.video is not None and probe.audio is not None
    assert (probe.video.codec, probe.video.width, probe.video.height) == ("h264", 320, 180)
    assert probe.video.fps == 25 and probe.video.rotation == 0 and probe.video.frames == 300
    assert (probe.audio.codec, probe.audio.sample_rate, probe.audio.channels) == ("aac", 44100, 1)
    assert probe.bit_rate and probe.bit_rate > 0
    assert probe.keyframes_s == mediagen.keyframe_times(SHOTS, SHOT_S, GOP_S)


def test_plan_is_deterministic_and_covers_everything(backend: MediaBackend) -> None:
    plans = backend.plan(BUDGET)
    assert plans == backend.plan(BUDGET)
    assert plans == MediaBackend(backend.path).plan(BUDGET)
    assert plans[0].span.start_s == 0 and plans[-1].span.end_s == backend.probe().duration_s
    for before, after in itertools.pairwise(plans):
        cut = (after.span.start_s or 0) + after.overlap_s
        assert cut == before.span.end_s  # the overlap is the only shared time
        assert after.overlap_s == pytest.approx(BUDGET.overlap_s)
        assert cut in backend.probe().keyframes_s  # stream-copy cuts land on key frames


def test_chunks_have_actual_spans(backend: MediaBackend) -> None:
    plans = backend.plan(BUDGET)
    chunks = [backend.materialize(plan) for plan in plans]
    keyframes = backend.probe().keyframes_s
    for plan, chunk in zip(plans, chunks, strict=True):
        (video,) = parts(chunk, "video")
        (audio,) = parts(chunk, "audio")
        assert video.mime == "video/mp4" and audio.mime == "audio/wav"
        start, end = video.span.start_s or 0, video.span.end_s or 0
        assert video_seconds(video.path or "") == pytest.approx(end - start, abs=FRAME_S)
        assert chunk.span.end_s == end and audio.span == chunk.span
        assert chunk.overlap_s == plan.overlap_s
        with wave.open(audio.path or "") as wav:
            assert (wav.getframerate(), wav.getnchannels()) == (16000, 1)
            seconds = wav.getnframes() / 16000
        assert seconds == pytest.approx((chunk.span.end_s or 0) - (chunk.span.start_s or 0))
        images = parts(chunk, "image")
        assert [p.span.start_s for p in images] == [k for k in keyframes if start <= k < end]
        before = [p.span.start_s for p in frames_before(chunk)]
        assert before == ([round(start - FRAME_S, 3)] if plan.index else [])
    assert chunks[0].span.start_s == 0 and chunks[-1].span.end_s == backend.probe().duration_s


def test_keyframe_images_show_their_shot(backend: MediaBackend) -> None:
    chunks = [backend.materialize(plan) for plan in backend.plan(BUDGET)]
    images = {p.span.start_s: p for chunk in chunks for p in parts(chunk, "image")}
    red_shot = 3 * SHOT_S  # shot 3 is `color=c=red`
    with Image.open(images[red_shot].path or "") as image:
        assert image.format == "JPEG" and image.size == (320, 180)
        r, g, b = image.convert("RGB").getpixel((160, 90))  # type: ignore[misc]
    assert r > 200 and g < 60 and b < 60


def test_frame_before_a_segment_is_the_last_one_of_the_previous_segment(
    backend: MediaBackend,
) -> None:
    """Border at 4 s inside shot 2 (smptebars, 3-6 s): the frame at 3.96 s shows it too."""
    chunks = [backend.materialize(plan) for plan in backend.plan(BUDGET)]
    assert chunks[1].span.start_s == 3.0 and parts(chunks[1], "video")[0].span.start_s == 4.0
    (before,) = frames_before(chunks[1])
    assert before.kind == "image" and before.mime == "image/jpeg"
    assert before.span.start_s == before.span.end_s == 3.96
    keyframes = {p.span.start_s: p for p in parts(chunks[0], "image")}
    same_shot = np.abs(pixels(before) - pixels(keyframes[3.0])).mean()
    other_shot = np.abs(pixels(before) - pixels(keyframes[2.0])).mean()
    assert same_shot < 8 < other_shot, (same_shot, other_shot)


def test_materialize_twice_after_parts_moved(backend: MediaBackend, tmp_path: Path) -> None:
    plan = backend.plan(BUDGET)[1]
    first = backend.materialize(plan)
    for part in first.parts:  # what the shell does: move every file into the blob store
        shutil.move(part.path or "", tmp_path / Path(part.path or "").name)
    again = backend.materialize(plan)
    assert again == first
    assert all(Path(part.path or "").exists() for part in again.parts)


def test_fresh_backend_materializes_a_stored_plan(cut_video: Path, backend: MediaBackend) -> None:
    """A resumed job: the plan comes from the store, not from this backend's `plan()`."""
    plans = [ChunkPlan.model_validate(p.model_dump()) for p in backend.plan(BUDGET)]
    whole = backend.materialize(plans[1])
    with MediaBackend(cut_video) as fresh:
        alone = fresh.materialize(plans[1])
    assert alone.span == whole.span
    assert [(p.kind, p.span, p.method) for p in alone.parts] == [
        (p.kind, p.span, p.method) for p in whole.parts
    ]
    assert frames_before(alone)  # the window passes decode the frame before the segment too


def test_max_frames_subsamples_evenly(backend: MediaBackend) -> None:
    plans = backend.plan(ChunkBudget(chunk_seconds=12.0, overlap_s=1.0, max_frames=3))
    (chunk,) = [backend.materialize(plan) for plan in plans]
    assert [p.span.start_s for p in parts(chunk, "image")] == [0.0, 6.0, 10.0]


def test_large_frames_are_scaled_down(media_dir: Path) -> None:
    path = mediagen.make_cut_video(media_dir / "large.mp4", 1, 1.0, (1280, 720), False)
    with MediaBackend(path) as large:
        chunk = large.materialize(large.plan(ChunkBudget())[0])
        with Image.open(parts(chunk, "image")[0].path or "") as image:
            assert image.size == (768, 432)


def test_long_gop_gets_frames_every_ten_seconds(media_dir: Path) -> None:
    path = mediagen.make_cut_video(
        media_dir / "long-gop.mp4", 1, 25.0, with_audio=False, gop_s=100, keyframes_at_cuts=True
    )
    with MediaBackend(path) as long_gop:
        assert long_gop.probe().keyframes_s == [0.0]
        (chunk,) = [long_gop.materialize(p) for p in long_gop.plan(ChunkBudget())]
    times = [p.span.start_s or 0 for p in parts(chunk, "image")]
    assert times[0] == 0 and len(times) == 3
    gaps = [b - a for a, b in zip([*times, 25.0], [*times[1:], 25.0], strict=False)]
    assert max(gaps[:-1]) <= 10.0 and times[-1] >= 15.0


def test_audio_only(speech_wav: Path) -> None:
    with open_backend(speech_wav, sniff_file(speech_wav)) as audio:
        probe = audio.probe()
        assert probe.video is None and probe.keyframes_s == []
        plans = audio.plan(ChunkBudget(chunk_seconds=1.5, overlap_s=0.5))
        chunks = [audio.materialize(plan) for plan in plans]
    assert [p.span for p in plans] == [c.span for c in chunks]  # exact cuts without video
    for chunk in chunks:
        assert [p.kind for p in chunk.parts] == ["audio"]
    assert plans[1].span.start_s == pytest.approx(1.0)


def test_speech_video_with_rotation(media_dir: Path, speech_wav: Path) -> None:
    source = mediagen.make_cut_video(media_dir / "speech.mov", 2, 2.0, with_audio=speech_wav)
    rotated = media_dir / "rotated.mov"
    ffmpeg.input(str(source)).output(
        str(rotated), c="copy", **{"metadata:s:v:0": "rotate=90"}
    ).overwrite_output().run(quiet=True)
    with MediaBackend(rotated) as backend:
        probe = backend.probe()
        chunk = backend.materialize(backend.plan(ChunkBudget())[0])
        with Image.open(parts(chunk, "image")[0].path or "") as image:
            assert image.size == (180, 320)  # key frames are turned upright
    # ffmpeg 5.1 stores the `rotate` tag as a counter-clockwise display matrix; later
    # versions as clockwise: either way the picture is turned a quarter.
    assert probe.video is not None and probe.video.rotation in (90, 270)


def test_work_dir_is_cleaned_up(cut_video: Path, tmp_path: Path) -> None:
    limits = IngestLimits(work_dir=tmp_path / "work")
    with MediaBackend(cut_video, limits=limits) as backend:
        chunk = backend.materialize(backend.plan(BUDGET)[0])
        assert Path(chunk.parts[0].path or "").is_relative_to(tmp_path / "work")
    assert list((tmp_path / "work").iterdir()) == []
