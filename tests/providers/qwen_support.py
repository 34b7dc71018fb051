"""Helpers for the DashScope / OpenAI-compatible contract tests: real files, chunks, fixtures.

`offline_env` (autouse where imported) sets LONGFORM_LOOPBACK_ONLY=1, which the clients honour
in `providers.httpclient.guard_url` before every request, and LONGFORM_RETRY_FAST=1, which
caps every retry sleep at 10 ms. Tests also assert that the fake saw each request.
"""

from __future__ import annotations

import io
import wave
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from ingest.types import Chunk, ChunkPart, Span
from providers.qwen import QwenProvider
from tests.fakes import dashscope
from tests.fakes.dashscope import FakeDashScope

PAGES = {
    3: "The Harbor Board met on 2021-03-04 in Lisbon. Maria Keller presented the audit report. "
    "Funds of 40,000 euros were approved for the new pier.",
    4: "Jonas Weber objected to the timeline of the works. "
    "The board asked Northwind Ltd to deliver a revised plan by June.",
}


@pytest.fixture(autouse=True)
def offline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LONGFORM_LOOPBACK_ONLY", "1")
    monkeypatch.setenv("LONGFORM_RETRY_FAST", "1")


@pytest.fixture
def fake() -> Iterator[FakeDashScope]:
    with dashscope.running() as server:
        yield server


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5, connect=0.5)) as shared:
        yield shared


def qwen(fake: FakeDashScope, client: httpx.AsyncClient, **overrides: Any) -> QwenProvider:
    options: dict[str, Any] = {"base_url": fake.base_url, "http_client": client}
    options.update(overrides)
    return QwenProvider(options.pop("api_key", fake.api_key), **options)


def document_chunk(index: int = 0) -> Chunk:
    parts = [
        ChunkPart(kind="text", span=Span.pages(page), text=text, method="text-layer")
        for page, text in PAGES.items()
    ]
    return Chunk(index=index, span=Span.pages(3, 4), parts=parts, token_estimate=60)


def _part(kind: str, mime: str, path: Path, start: float, end: float) -> ChunkPart:
    return ChunkPart.model_validate(
        {"kind": kind, "mime": mime, "span": Span.seconds(start, end), "path": str(path)}
    )


def jpeg(path: Path, shade: int) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (shade, 80, 160)).save(buffer, format="JPEG")
    path.write_bytes(buffer.getvalue())
    return path


def wav(path: Path, seconds: float = 0.5) -> Path:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return path


def keyframe_chunk(tmp: Path, times: tuple[float, ...] = (12.0, 14.0, 16.5, 19.0)) -> Chunk:
    frames = [
        _part("image", "image/jpeg", jpeg(tmp / f"kf_{t}.jpg", 40 + n * 30), t, t)
        for n, t in enumerate(times)
    ]
    return Chunk(index=1, span=Span.seconds(10.0, 20.0), parts=frames, token_estimate=800)


def audio_chunk(tmp: Path, start: float = 30.0) -> Chunk:
    audio = _part("audio", "audio/wav", wav(tmp / "a.wav"), start, start + 30.0)
    return Chunk(index=2, span=Span.seconds(start, start + 30.0), parts=[audio], token_estimate=400)


def video_chunk(tmp: Path) -> Chunk:
    """Audio and keyframes of one video segment (the segment file itself is not sent)."""
    video = _part("video", "video/mp4", tmp / "segment.mp4", 30.0, 60.0)
    (tmp / "segment.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(64))
    audio = _part("audio", "audio/wav", wav(tmp / "v.wav"), 30.0, 60.0)
    frames = [
        _part("image", "image/jpeg", jpeg(tmp / f"v_{t}.jpg", 100), t, t)
        for t in (31.0, 40.0, 50.0, 59.0)
    ]
    return Chunk(
        index=3, span=Span.seconds(30.0, 60.0), parts=[video, audio, *frames], token_estimate=900
    )
