"""The job state machine: ingest → plan → analyse chunks → aggregate, with state in the store.

Every stage is idempotent and records what it did before the next one starts, so a job that
was interrupted (crash, restart, kill -9) resumes where it stopped: the probe and the plan are
kept, finished chunks are never analysed again, and a chunk whose worker died is leased again
once its lease lapses (or at once, when the runner knows that worker is dead).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from ingest.backend import IngestBackend, IngestLimits, open_backend
from ingest.errors import IngestError
from ingest.ocr import ocr_languages
from ingest.types import MediaType
from longform.chunkwork import ChunkWorker
from longform.options import JobOptions, job_policy
from longform.reporting import build_and_store_report
from longform.services import Services
from longform.store import queries
from longform.store.models import ChunkRow, ChunkStatus, Job, JobStage, JobStatus, utcnow
from longform.webhooks import notify
from providers.base import AnalysisTask, Summarizing

log = logging.getLogger(__name__)
T = TypeVar("T")


class JobCancelled(Exception):
    pass


class Pipeline:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.settings = services.settings

    async def run(self, job_id: str) -> None:
        """Drive one job to a terminal state. Safe to call again for the same job."""
        if not await self._db(self._start, job_id):
            return
        backend: IngestBackend[Any] | None = None
        work_dir = self.settings.data_dir / "work" / job_id
        await asyncio.to_thread(shutil.rmtree, work_dir, True)  # leftovers of a crashed run
        try:
            job = await self._db(self._load, job_id)
            backend = await self._ingest(self._open, job)
            await self._probe(job_id, backend)
            await self._plan(job_id, backend)
            await self._analyze(job_id, backend, job)
            # The report is built in a thread; it asks providers for the summary on this loop.
            loop = asyncio.get_running_loop()
            await self._db(build_and_store_report, self.services, job_id, loop)
        except JobCancelled:
            log.info("job %s cancelled", job_id)
        except IngestError as exc:
            await self._db(self._fail, job_id, exc.code, exc.message)
        except Exception as exc:  # a bug must fail one job, never the server
            log.exception("job %s failed unexpectedly", job_id)
            await self._db(self._fail, job_id, "internal_error", f"{type(exc).__name__}: {exc}")
        finally:
            if backend is not None:
                await self._ingest(backend.close)
            await asyncio.to_thread(shutil.rmtree, work_dir, True)
        if await self._db(self._finished, job_id):
            # Payloads (segment copies, audio slices) only serve a resumed analysis; the
            # report cites keyframes, which live apart and stay. For a 60-minute video the
            # payloads are another 1.5 GB.
            await asyncio.to_thread(self.services.blobs.delete_prefix, f"jobs/{job_id}/payloads")
            await notify(self.services, job_id)

    # ------------------------------------------------------------------ stages

    def _start(self, job_id: str) -> bool:
        with self.services.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.status.terminal:
                return False
            if job.status is JobStatus.QUEUED:
                job.status = JobStatus.RUNNING
                job.started_at = utcnow()
                queries.add_event(session, job_id, "started", worker=self.services.worker_id)
            else:
                resumed = queries.count_events(session, job_id, "resumed")
                if resumed >= self.settings.max_job_resumes:
                    # A file that kills its worker every time (a poison pill) must not be
                    # retried forever: fail it with the reason and keep the service up.
                    message = (
                        f"the job was interrupted {resumed + 1} times (its worker died or "
                        "restarted each time); giving up so it cannot take the service down"
                    )
                    self._fail_in(session, job, "interrupted_repeatedly", message)
                    session.commit()
                    return False
                queries.add_event(session, job_id, "resumed", worker=self.services.worker_id)
            session.commit()
            return True

    def _load(self, job_id: str) -> Job:
        with self.services.sessions() as session:
            job = session.get(Job, job_id)
            if job is None:
                raise JobCancelled(job_id)
            return job

    def _open(self, job: Job) -> IngestBackend[Any]:
        options = JobOptions.model_validate(job.options)
        password = options.password.get_secret_value() if options.password else None
        languages, missing = ocr_languages(self.settings.ocr_languages, options.languages)
        if missing:
            self._note_missing_ocr(job.id, languages, missing)
        limits = IngestLimits(
            max_pages=self.settings.max_pages,
            ocr_languages=languages,
            ocr_dpi=self.settings.ocr_dpi,
            work_dir=self.settings.data_dir / "work" / job.id,
        )
        path: Path = self.services.blobs.source_path(job.sha256)
        return open_backend(path, MediaType(job.media_type), password=password, limits=limits)

    def _note_missing_ocr(self, job_id: str, used: str, missing: list[str]) -> None:
        with self.services.sessions() as session:
            if not queries.count_events(session, job_id, "ocr.languages_missing"):
                queries.add_event(
                    session, job_id, "ocr.languages_missing", used=used, missing=missing
                )
                session.commit()

    async def _probe(self, job_id: str, backend: IngestBackend[Any]) -> None:
        await self._db(self._set_stage, job_id, JobStage.PROBING)
        probe = await self._ingest(backend.probe)
        await self._db(self._record_probe, job_id, probe.model_dump(mode="json"))

    def _record_probe(self, job_id: str, probe: dict[str, Any]) -> None:
        with self.services.sessions() as session:
            job = self._job_or_cancel(session, job_id)
            if job.probe is None:
                job.probe = probe
                job.pages = probe.get("pages")
                job.duration_s = probe.get("duration_s")
                detail = {k: v for k, v in probe.items() if not isinstance(v, list)}
                queries.add_event(session, job_id, "probed", **detail)
            session.commit()

    async def _plan(self, job_id: str, backend: IngestBackend[Any]) -> None:
        await self._db(self._set_stage, job_id, JobStage.PLANNING)
        # Planning is deterministic and cheap; doing it again on resume also primes the
        # backend for its one-pass materialization. The stored plan still wins.
        plans = await self._ingest(backend.plan, self.settings.chunk_budget())
        if await self._db(self._chunk_total, job_id):
            return
        await self._db(self._store_plan, job_id, [p.model_dump(mode="json") for p in plans])

    def _store_plan(self, job_id: str, plans: list[dict[str, Any]]) -> None:
        with self.services.sessions() as session:
            self._job_or_cancel(session, job_id)
            for plan in plans:
                session.add(
                    ChunkRow(job_id=job_id, idx=plan["index"], span=plan["span"], plan=plan)
                )
            queries.add_event(session, job_id, "planned", chunks=len(plans))
            session.commit()

    async def _analyze(self, job_id: str, backend: IngestBackend[Any], job: Job) -> None:
        await self._db(self._set_stage, job_id, JobStage.ANALYZING)
        job = await self._db(self._load, job_id)  # now with the probe's size
        options = JobOptions.model_validate(job.options)
        task = AnalysisTask(
            languages=options.languages, source_filename=job.filename, policy=options.policy
        )
        policy = job_policy(options, pages=job.pages, duration_s=job.duration_s)
        worker = ChunkWorker(
            self.services, backend, task, options, policy, is_cancelled=self._cancelled
        )
        while True:
            await worker.drain(job_id)
            counts = await self._db(self._counts, job_id)
            if not counts.get(ChunkStatus.PENDING) and not counts.get(ChunkStatus.LEASED):
                break
            # Chunks leased by a worker that may still be alive: wait for their leases.
            await asyncio.sleep(1.0)
        await self._db(self._set_stage, job_id, JobStage.AGGREGATING)
        if self.services.one_shot and self.services.owns_providers:
            for provider in self.services.providers.values():
                if not isinstance(provider, Summarizing):  # the report may still need these
                    await provider.aclose()  # pools restart lazily if anything needs them again

    # ------------------------------------------------------------------ helpers

    def _finished(self, job_id: str) -> bool:
        with self.services.sessions() as session:
            job = session.get(Job, job_id)
            return job is not None and job.status.terminal and job.status is not JobStatus.CANCELLED

    def _cancelled(self, job_id: str) -> bool:
        with self.services.sessions() as session:
            job = session.get(Job, job_id)
            return job is None or job.status is JobStatus.CANCELLED

    def _job_or_cancel(self, session: Any, job_id: str) -> Job:
        job = session.get(Job, job_id)
        if job is None or job.status is JobStatus.CANCELLED:
            raise JobCancelled(job_id)
        return job  # type: ignore[no-any-return]

    def _set_stage(self, job_id: str, stage: JobStage) -> None:
        with self.services.sessions() as session:
            job = self._job_or_cancel(session, job_id)
            job.stage = stage
            session.commit()

    def _chunk_total(self, job_id: str) -> int:
        with self.services.sessions() as session:
            return sum(queries.chunk_counts(session, job_id).values())

    def _counts(self, job_id: str) -> dict[ChunkStatus, int]:
        with self.services.sessions() as session:
            return queries.chunk_counts(session, job_id)

    def _fail(self, job_id: str, code: str, message: str) -> None:
        with self.services.sessions() as session:
            job = session.get(Job, job_id)
            if job is None or job.status.terminal:
                return
            self._fail_in(session, job, code, message)
            session.commit()

    @staticmethod
    def _fail_in(session: Any, job: Job, code: str, message: str) -> None:
        job.status = JobStatus.FAILED
        job.stage = JobStage.DONE
        job.error_code = code
        job.error_message = message
        job.finished_at = utcnow()
        queries.add_event(session, job.id, "failed", code=code, message=message)

    async def _db(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.to_thread(fn, *args)

    async def _ingest(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.services.ingest_executor, fn, *args)
