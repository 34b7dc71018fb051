"""The offline `local` provider: no network, every engine pinned and hash-checked.

Documents: spaCy, MiniLM, lingua, dateparser and rules. Media: faster-whisper (tiny.en,
or Whisper base for other languages), PySceneDetect and tesseract, then the same text
engines over the transcript. `LocalProvider.analyze` runs `analyze_chunk` in a process pool
(spawn context, created on first use), so CPU-bound engines run in parallel and never block
the event loop. Each worker pins native thread pools to one thread and loads the models once.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from analysis.schema import ChunkResult
from ingest.types import Chunk
from providers.base import AnalysisTask, Capabilities
from providers.errors import ProviderRejected, ProviderUnavailable
from providers.local.engine import (
    MODEL,
    PROVIDER,
    analyze_chunk,
    analyze_document_chunk,
    is_media,
    warm,
)
from providers.local.integrity import ModelIntegrityError
from providers.local.worker import init_worker, ping, run_chunk, thread_env

__all__ = [
    "LocalProvider",
    "ModelIntegrityError",
    "analyze_chunk",
    "analyze_document_chunk",
    "warm",
]

CAPABILITIES = Capabilities(
    modalities=frozenset({"text", "image", "audio", "video"}),
    context_tokens=12_000,
    max_pages_per_chunk=40,
    max_chunk_seconds=600.0,
    regions=frozenset({"local"}),
    json_mode=True,
    offline=True,
    cost_tier=0,
)


class LocalProvider:
    """Offline analysis in `workers` processes (one model copy each, ~500 MB).

    :param workers: worker processes, each single-threaded.
    :param model_cache_dir: writable directory for the rebuilt Whisper base model
        (default `~/.cache/longform/models`, 145 MB, built on first non-English audio).
    """

    name = PROVIDER
    model = MODEL
    capabilities = CAPABILITIES

    def __init__(self, workers: int = 2, *, model_cache_dir: Path | None = None) -> None:
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.workers = workers
        self.model_cache_dir = model_cache_dir
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            thread_env()  # inherited by the spawned workers before they import numpy
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=init_worker,
            )
        return self._pool

    async def warm(self) -> None:
        """Start every worker and load its models now rather than on the first chunk."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        await asyncio.gather(*(loop.run_in_executor(pool, ping) for _ in range(self.workers)))

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        if not is_media(chunk) and not any(p.kind == "text" and p.text for p in chunk.parts):
            raise ProviderRejected(
                "the local provider needs page text, audio, video or timed keyframes; "
                "this chunk has none",
                provider=self.name,
                chunk_index=chunk.index,
            )
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        try:
            cache_dir = str(self.model_cache_dir) if self.model_cache_dir else None
            payload = await loop.run_in_executor(
                self._executor(),
                run_chunk,
                chunk.model_dump_json(),
                task.model_dump_json(),
                cache_dir,
            )
        except BrokenProcessPool as exc:
            self._discard_pool()
            raise ProviderUnavailable(
                f"local worker process died: {exc}", provider=self.name, chunk_index=chunk.index
            ) from exc
        except Exception as exc:  # the engines raised: the same input would fail again
            raise ProviderRejected(
                f"local analysis failed: {type(exc).__name__}: {exc}",
                provider=self.name,
                chunk_index=chunk.index,
            ) from exc
        result = ChunkResult.model_validate_json(payload)
        result.latency_ms = round((time.perf_counter() - started) * 1000)
        return result

    def _discard_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def aclose(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.get_running_loop().run_in_executor(None, pool.shutdown)
