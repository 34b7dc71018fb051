"""One ingest backend per format behind a tiny interface, picked by media type.

A backend owns one open source file. The caller probes it, stores the chunk plan, then
materializes each planned chunk (in any order, any number of times: the same plan gives the
same chunk). Bad input raises an `IngestError` subclass; nothing else is expected to escape.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel

from ingest.errors import UnsupportedMediaType
from ingest.types import Chunk, ChunkPlan, MediaType


def _default_workers() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class IngestLimits:
    """What one job may cost the ingest stage, and how OCR runs."""

    max_pages: int = 5000
    ocr_languages: str = "eng"  # tesseract language codes joined with "+", e.g. "eng+deu"
    ocr_dpi: int = 200  # tesseract reads 10-12 pt text well from 200 dpi; 300 is ~2x slower
    ocr_workers: int = field(default_factory=_default_workers)
    ocr_timeout_s: float = 120.0  # per page
    tesseract_cmd: str = "tesseract"
    max_duration_s: float = 12 * 3600  # media longer than this is refused at probe time
    ffmpeg_cmd: str = "ffmpeg"
    ffprobe_cmd: str = "ffprobe"
    # Where media backends write segments, keyframes and audio; None: a fresh temporary
    # directory. `close()` removes what the backend created there (never the directory itself
    # when one is given).
    work_dir: Path | None = None


@dataclass(frozen=True)
class ChunkBudget:
    """How big a chunk may be: sized to what the target provider can take in one request."""

    context_tokens: int = 12_000
    max_pages: int = 40
    overlap_pages: int = 1
    chunk_seconds: float = 120.0  # media: planned length; cuts move to nearby key frames
    overlap_s: float = 4.0  # media: seconds shared with the previous chunk
    max_frames: int = 32  # media: keyframes per chunk at most
    max_payload_bytes: int = 200 * 1024 * 1024  # media: segment bytes per chunk at most


ProbeT = TypeVar("ProbeT", bound=BaseModel)


class IngestBackend(ABC, Generic[ProbeT]):
    """Bytes in, chunk payloads out, for one family of media types."""

    media_types: ClassVar[frozenset[MediaType]] = frozenset()

    def __init__(
        self, path: Path, *, password: str | None = None, limits: IngestLimits | None = None
    ) -> None:
        self.path = Path(path)
        self.password = password
        self.limits = limits or IngestLimits()

    @abstractmethod
    def probe(self) -> ProbeT:
        """What the file holds (pages or duration, streams, encryption), checked against limits."""

    @abstractmethod
    def plan(self, budget: ChunkBudget) -> list[ChunkPlan]:
        """Deterministic chunk boundaries that fit a provider's context budget."""

    @abstractmethod
    def materialize(self, plan: ChunkPlan) -> Chunk:
        """The payload of one planned chunk."""

    @abstractmethod
    def close(self) -> None:
        """Release the file and any native resources; safe to call twice."""

    def chunks(self, budget: ChunkBudget) -> Iterator[Chunk]:
        """Plan, then materialize lazily, one chunk at a time."""
        for chunk_plan in self.plan(budget):
            yield self.materialize(chunk_plan)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


BACKENDS: dict[MediaType, type[IngestBackend[Any]]] = {}


def register_backend(backend: type[IngestBackend[Any]]) -> type[IngestBackend[Any]]:
    """Class decorator: route every media type the backend declares to it."""
    for media_type in backend.media_types:
        BACKENDS[media_type] = backend
    return backend


def open_backend(
    path: Path | str,
    media_type: MediaType,
    *,
    password: str | None = None,
    limits: IngestLimits | None = None,
) -> IngestBackend[Any]:
    """Open `path` with the backend for `media_type` (as decided by `ingest.sniff`)."""
    backend = BACKENDS.get(media_type)
    if backend is None:
        supported = ", ".join(sorted(BACKENDS)) or "none"
        raise UnsupportedMediaType(
            f"Files of type {media_type.value} cannot be analysed yet (supported: {supported})."
        )
    return backend(Path(path), password=password, limits=limits or IngestLimits())
