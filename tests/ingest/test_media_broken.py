"""Broken and odd media end as clear `IngestError`s, or work where they can."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures import mediagen
from ingest import IngestLimits, MediaBackend, open_backend, sniff_file
from ingest.backend import ChunkBudget
from ingest.errors import CorruptFile, EmptyFile, LimitExceeded, ToolUnavailable
from ingest.types import MediaType


def test_truncated_mp4(media_dir: Path, tmp_path: Path) -> None:
    source = mediagen.make_moov_at_end_mp4(tmp_path / "camera.mp4")
    truncated = mediagen.make_truncated(source, tmp_path / "cut-short.mp4", keep=0.5)
    with pytest.raises(CorruptFile, match=r"truncated.*moov atom"):
        MediaBackend(truncated).probe()


def test_zero_length_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.mp4"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile):
        MediaBackend(path).probe()


def test_text_named_mp4(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp4"
    path.write_text("these are meeting notes, not a video\n" * 20)
    with pytest.raises(CorruptFile, match="not audio or video"):
        MediaBackend(path).probe()


def test_garbage_after_ftyp(cut_video: Path, tmp_path: Path) -> None:
    broken = mediagen.make_garbage_after_ftyp(cut_video, tmp_path / "garbage.mp4")
    assert sniff_file(broken) is MediaType.MP4
    with pytest.raises(CorruptFile):
        MediaBackend(broken).probe()


def test_audio_only_file_named_mp4(tmp_path: Path) -> None:
    """The bytes say MP4 (brand isom); the streams say audio: it is analysed as audio."""
    path = mediagen.make_tone_audio(tmp_path / "interview.mp4", 3.0, codec="aac")
    media_type = sniff_file(path)
    assert media_type is MediaType.MP4
    with open_backend(path, media_type) as backend:
        probe = backend.probe()
        assert probe.video is None and probe.audio is not None
        chunks = list(backend.chunks(ChunkBudget(chunk_seconds=2.0, overlap_s=0.5)))
    assert [[p.kind for p in c.parts] for c in chunks] == [["audio"], ["audio"]]


def test_video_without_audio(silent_video: Path) -> None:
    with MediaBackend(silent_video) as backend:
        assert backend.probe().audio is None
        chunks = list(backend.chunks(ChunkBudget(chunk_seconds=3.0, overlap_s=1.0)))
    assert len(chunks) > 1
    assert all({p.kind for p in c.parts} == {"video", "image"} for c in chunks)


def test_longer_than_the_limit(cut_video: Path) -> None:
    with pytest.raises(LimitExceeded, match=r"lasts 0\.2 min"):
        MediaBackend(cut_video, limits=IngestLimits(max_duration_s=10)).probe()


def test_ffmpeg_missing(cut_video: Path) -> None:
    limits = IngestLimits(ffprobe_cmd="/nonexistent/ffprobe")
    with pytest.raises(ToolUnavailable, match="ffprobe is not installed"):
        MediaBackend(cut_video, limits=limits).probe()
    limits = IngestLimits(ffmpeg_cmd="/nonexistent/ffmpeg")
    with pytest.raises(ToolUnavailable, match="ffmpeg"):
        MediaBackend(cut_video, limits=limits).probe()
