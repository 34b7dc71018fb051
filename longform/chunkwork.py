"""Analyse the chunks of one job: lease → materialize → analyse → record, with heartbeats.

A chunk's payload is stored in the blob store under a key derived from the job and chunk
index, so a retried or resumed chunk reuses it instead of reading the source again. The
result is accepted only from the worker that still holds the lease, so a chunk is never
recorded twice even if two workers race after a lease lapsed.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from analysis.schema import ChunkResult
from ingest.backend import IngestBackend
from ingest.errors import IngestError
from ingest.types import Chunk, ChunkPlan
from longform.options import JobOptions
from longform.services import Services
from longform.store import queries
from longform.store.models import ChunkRow, ChunkStatus, utcnow
from providers.base import AnalysisTask, Provider
from providers.scheduler import Attempt, JobPolicy, chunk_info

log = logging.getLogger(__name__)
T = TypeVar("T")


def payload_key(job_id: str, index: int) -> str:
    return f"jobs/{job_id}/payloads/{index:05d}.json"


def keyframe_key(job_id: str, name: str) -> str:
    return f"jobs/{job_id}/keyframes/{name}"


def part_key(job_id: str, index: int, kind: str, name: str) -> str:
    """Keyframes share one folder per job (the API serves them by name); other parts
    live beside their chunk's payload."""
    if kind == "image":
        return keyframe_key(job_id, name)
    return f"jobs/{job_id}/payloads/{index:05d}/{name}"


class ChunkWorker:
    def __init__(
        self,
        services: Services,
        backend: IngestBackend[Any],
        task: AnalysisTask,
        options: JobOptions,
        policy: JobPolicy,
        *,
        is_cancelled: Callable[[str], bool],
    ) -> None:
        self.services = services
        self.backend = backend
        self.task = task
        self.options = options
        self.is_cancelled = is_cancelled
        self.policy = policy
        self._in_flight_usd = 0.0  # estimated cost of chunks being analysed: budget guard

    async def drain(self, job_id: str) -> None:
        """Analyse chunks until none is claimable, `chunk_concurrency` at a time."""
        lanes = max(1, self.services.settings.chunk_concurrency)
        await asyncio.gather(*(self._lane(job_id) for _ in range(lanes)))

    async def _lane(self, job_id: str) -> None:
        settings = self.services.settings
        while not await asyncio.to_thread(self.is_cancelled, job_id):
            row = await asyncio.to_thread(self._claim, job_id)
            if row is None:
                return
            heartbeat = asyncio.create_task(self._heartbeat(row.id, settings.lease_seconds))
            try:
                await self._process(job_id, row)
            finally:
                heartbeat.cancel()

    def _claim(self, job_id: str) -> ChunkRow | None:
        with self.services.sessions() as session:
            return queries.claim_chunk(
                session, job_id, self.services.worker_id, self.services.settings.lease_seconds
            )

    async def _heartbeat(self, chunk_id: int, lease_s: float) -> None:
        while True:
            await asyncio.sleep(lease_s / 3)
            await asyncio.to_thread(self._renew, chunk_id, lease_s)

    def _renew(self, chunk_id: int, lease_s: float) -> None:
        with self.services.sessions() as session:
            queries.renew_lease(session, chunk_id, self.services.worker_id, lease_s)

    async def _process(self, job_id: str, row: ChunkRow) -> None:
        started = time.monotonic()
        try:
            chunk = await self._payload(job_id, row)
        except IngestError as exc:
            await asyncio.to_thread(self._record_error, job_id, row, exc.message, False, None)
            return
        except Exception as exc:  # one bad chunk becomes a gap, not a dead job
            log.exception("chunk %s of job %s could not be materialized", row.idx, job_id)
            message = f"internal error: {type(exc).__name__}: {exc}"
            await asyncio.to_thread(self._record_error, job_id, row, message, False, None)
            return
        info = await asyncio.to_thread(chunk_info, chunk)
        spent = await asyncio.to_thread(self._spent, job_id)
        decision = self.services.scheduler.decide(info, self.policy, spent + self._in_flight_usd)
        self._in_flight_usd += decision.estimated_cost_usd
        try:
            outcome = await self.services.scheduler.run(chunk, self.task, decision)
        finally:
            self._in_flight_usd -= decision.estimated_cost_usd
        trail = [_attempt(a) for a in outcome.attempts]
        if outcome.result is not None:
            latency_ms = int((time.monotonic() - started) * 1000)
            await asyncio.to_thread(
                self._record_result, job_id, row, outcome.result, latency_ms, outcome.reason, trail
            )
            return
        # Every candidate failed. Only an outage of the last resort (the local pool died)
        # is worth another attempt later; anything else is a gap with its reason.
        last = outcome.attempts[-1] if outcome.attempts else None
        retry = (
            last is not None
            and last.outcome == "failed"
            and row.attempts < self.services.settings.chunk_max_attempts
        )
        provider = self.services.providers.get(last.provider) if last else None
        await asyncio.to_thread(
            self._record_error, job_id, row, outcome.reason, retry, provider, trail
        )

    def _spent(self, job_id: str) -> float:
        with self.services.sessions() as session:
            return queries.job_cost(session, job_id)

    async def _payload(self, job_id: str, row: ChunkRow) -> Chunk:
        blobs = self.services.blobs
        key = payload_key(job_id, row.idx)
        if await asyncio.to_thread(blobs.exists, key):
            data = await asyncio.to_thread(blobs.get, key)
            return self._with_local_paths(Chunk.model_validate_json(data))
        plan = ChunkPlan.model_validate(row.plan)
        loop = asyncio.get_running_loop()
        chunk = await loop.run_in_executor(
            self.services.ingest_executor, self.backend.materialize, plan
        )
        stored = await asyncio.to_thread(self._store_parts, job_id, chunk)
        await asyncio.to_thread(blobs.put, key, stored.model_dump_json().encode())
        return self._with_local_paths(stored)

    def _store_parts(self, job_id: str, chunk: Chunk) -> Chunk:
        """Move the files ingest wrote (segments, audio, keyframes) into the blob store."""
        parts = []
        for part in chunk.parts:
            if part.path is None:
                parts.append(part)
                continue
            key = part_key(job_id, chunk.index, part.kind, Path(part.path).name)
            self.services.blobs.put_file(key, Path(part.path))
            parts.append(part.model_copy(update={"blob_key": key, "path": None}))
        return chunk.model_copy(update={"parts": parts})

    def _with_local_paths(self, chunk: Chunk) -> Chunk:
        """Providers read parts from local files: point each stored part at one."""
        parts = [
            part.model_copy(update={"path": str(self.services.blobs.local_path(part.blob_key))})
            if part.blob_key
            else part
            for part in chunk.parts
        ]
        return chunk.model_copy(update={"parts": parts})

    def _record_result(
        self,
        job_id: str,
        row: ChunkRow,
        result: ChunkResult,
        latency_ms: int,
        reason: str,
        trail: list[dict[str, Any]],
    ) -> None:
        values: dict[str, Any] = {
            "result": result.model_dump(mode="json"),
            "provider": result.provider,
            "model": result.model,
            "reason": reason,
            "latency_ms": latency_ms,
            "cost_usd": result.cost_usd,
            "trail": trail,
            "error": None,
            "finished_at": utcnow(),
        }
        with self.services.sessions() as session:
            owner = self.services.worker_id
            if queries.finish_chunk(session, row.id, owner, ChunkStatus.DONE, **values):
                queries.add_event(
                    session,
                    job_id,
                    "chunk.done",
                    index=row.idx,
                    attempts=row.attempts,
                    provider=result.provider,
                    latency_ms=latency_ms,
                )
            session.commit()

    def _record_error(
        self,
        job_id: str,
        row: ChunkRow,
        message: str,
        retry: bool,
        provider: Provider | None,
        trail: list[dict[str, Any]] | None = None,
    ) -> None:
        status = ChunkStatus.PENDING if retry else ChunkStatus.FAILED
        values: dict[str, Any] = {
            "error": message,
            "provider": provider.name if provider else None,
            "model": provider.model if provider else None,
            "reason": "every candidate failed" if provider else "not analysed",
            "trail": trail,
        }
        if not retry:
            values["finished_at"] = utcnow()
        with self.services.sessions() as session:
            owner = self.services.worker_id
            if queries.finish_chunk(session, row.id, owner, status, **values):
                event = "chunk.retry" if retry else "chunk.failed"
                queries.add_event(
                    session, job_id, event, index=row.idx, attempts=row.attempts, error=message
                )
            session.commit()


def _attempt(attempt: Attempt) -> dict[str, Any]:
    return {
        "provider": attempt.provider,
        "model": attempt.model,
        "outcome": attempt.outcome,
        "latency_ms": attempt.latency_ms,
        "wait_ms": attempt.wait_ms,
        "error": attempt.error,
        "message": attempt.message,
        "cost_usd": attempt.cost_usd,
        "hedge": attempt.hedge,
    }
