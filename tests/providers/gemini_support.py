"""Helpers for the Gemini contract tests: chunks with real files, a provider aimed at the fake,
and a socket guard that records every connection and refuses any that would leave loopback."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from ingest.types import Chunk, ChunkPart, Span
from providers.gemini import GeminiProvider, UploadSettings
from tests.fakes.gemini import FakeGemini

PAGES = {
    3: "The Harbor Board met on 2021-03-04 in Lisbon. Maria Keller presented the audit report. "
    "Funds of 40,000 euros were approved for the new pier.",
    4: "Jonas Weber objected to the timeline of the works. "
    "The board asked Northwind Ltd to deliver a revised plan by June.",
}


def document_chunk(index: int = 0) -> Chunk:
    parts = [
        ChunkPart(kind="text", span=Span.pages(page), text=text, method="text-layer")
        for page, text in PAGES.items()
    ]
    return Chunk(index=index, span=Span.pages(3, 4), parts=parts, token_estimate=60)


def media_file(tmp: Path, name: str, size: int) -> str:
    path = tmp / name
    path.write_bytes(bytes((i * 7 + 3) % 256 for i in range(size)))
    return str(path)


def media_part(kind: str, mime: str, path: str, start: float, end: float) -> ChunkPart:
    return ChunkPart.model_validate(
        {"kind": kind, "mime": mime, "span": Span.seconds(start, end), "path": path}
    )


def keyframe_chunk(tmp: Path) -> Chunk:
    frames = [
        media_part("image", "image/jpeg", media_file(tmp, f"kf_{t}.jpg", 2048), t, t)
        for t in (12.0, 15.5, 19.0)
    ]
    return Chunk(index=1, span=Span.seconds(10.0, 20.0), parts=frames, token_estimate=800)


def video_chunk(tmp: Path, *, video_bytes: int, index: int = 2, start: float = 30.0) -> Chunk:
    video = media_part("video", "video/mp4", str(tmp / "segment.mp4"), start, start + 30.0)
    if not Path(video.path or "").exists():
        media_file(tmp, "segment.mp4", video_bytes)
    audio = media_part(
        "audio", "audio/wav", media_file(tmp, f"a{index}.wav", 4096), start, start + 30.0
    )
    return Chunk(
        index=index,
        span=Span.seconds(start, start + 30.0),
        parts=[video, audio],
        token_estimate=9000,
    )


def make_provider(fake: FakeGemini, client: httpx.AsyncClient, **overrides: Any) -> GeminiProvider:
    options: dict[str, Any] = {
        "api_key": fake.api_key,
        "base_url": fake.base_url,
        "http_client": client,
        "timeout_s": 0.5,
        "attempts": 4,
        "total_timeout_s": 10.0,
        "inline_limit_bytes": 16 * 1024,
        "upload": UploadSettings(chunk_bytes=4096, poll_interval_s=0.01, processing_timeout_s=5.0),
    }
    options.update(overrides)
    return GeminiProvider(**options)


@contextmanager
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every socket connect is recorded; one to a non-loopback address fails the test."""
    seen: list[str] = []
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def check(address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        seen.append(host)
        if isinstance(address, tuple) and not ipaddress.ip_address(host).is_loopback:
            raise AssertionError(f"a test tried to reach {host}")

    def connect(self: socket.socket, address: Any) -> None:
        check(address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setenv("LONGFORM_LOOPBACK_ONLY", "1")
    monkeypatch.setenv("LONGFORM_RETRY_FAST", "1")
    yield seen
