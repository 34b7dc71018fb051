"""The Celery app of distributed mode: one task, `longform.run_job(job_id)`.

The task takes an ID and drives the job with `Pipeline.run`, which is idempotent (finished
chunks are kept, chunk leases keep two runs from analysing the same chunk), so the task is
acknowledged late and a message whose worker died is simply delivered again:

- the worker killed (kill -9, lost host): the Redis transport restores the unacknowledged
  message after `LONGFORM_BROKER_VISIBILITY_TIMEOUT` seconds, and another worker resumes;
- under a prefork pool, a child killed mid-job would be requeued at once
  (`task_reject_on_worker_lost`); `longform worker` uses threads, though (see its help).

Each worker process builds its `Services` once, lazily on its first task (never at import,
never in the API process), and runs every job on one event loop of its own, so the
providers' clients and the scheduler's limits live on one loop for the process's life.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import Future
from typing import Any

from celery import Celery, signals

from longform.config import Settings
from longform.pipeline import Pipeline
from longform.runners.leases import release_dead_leases
from longform.services import Services, build_services

__all__ = ["QUEUE", "TASK", "make_celery"]

QUEUE = "longform"
TASK = "longform.run_job"

log = logging.getLogger(__name__)


def make_celery(settings: Settings) -> Celery:
    """A Celery app for `settings.broker_url`; no result backend (job state is in the store)."""
    if not settings.broker_url:
        raise ValueError("LONGFORM_BROKER_URL is not set")
    app = Celery("longform", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        # Acknowledge after the job ends, so a job whose worker died is delivered again.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # Pipeline.run records every failure in the store itself; a task that still raises
        # is a bug that would raise again, so it is acknowledged rather than redelivered.
        task_acks_on_failure_or_timeout=True,
        # A job is long: a worker takes one message per free slot, never a backlog.
        worker_prefetch_multiplier=1,
        broker_transport_options=_transport_options(settings.broker_visibility_timeout),
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
    )

    @app.task(name=TASK)  # type: ignore[untyped-decorator]
    def run_job(job_id: str) -> None:
        _process_worker(settings).run(job_id)

    return app


def _transport_options(visibility_timeout: float) -> dict[str, float]:
    """Redis: how long an unacknowledged job waits before it is delivered again, and how
    often workers look for such jobs (kombu's default looks every 100 s; here at most every
    10 s, and sooner for a short timeout, so a dead worker's job is not left waiting)."""
    return {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": max(1, min(10, int(visibility_timeout // 5))),
        "unacked_restore_throttle": 1,
    }


class _ProcessWorker:
    """This process's services, pipeline and event loop (arq's `ctx`, one per process)."""

    def __init__(self, settings: Settings) -> None:
        self.pid = os.getpid()
        self.services: Services = build_services(settings)
        self.pipeline = Pipeline(self.services)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="longform-loop", daemon=True
        )
        self._thread.start()
        self._running: dict[str, Future[None]] = {}
        self._lock = threading.RLock()  # a done callback may run inside `run`'s lock

    def run(self, job_id: str) -> None:
        """Run the job on this process's loop; a second delivery while it runs here joins it.

        The broker delivers a message again when its visibility timeout lapses mid-job; two
        pipelines of one job in one process would only race each other to the end.
        """
        with self._lock:
            running = self._running.get(job_id)
            if running is None:
                running = self._running[job_id] = self._call(self._run(job_id))
                running.add_done_callback(lambda _f: self._forget(job_id))
        running.result()

    def _forget(self, job_id: str) -> None:
        with self._lock:
            self._running.pop(job_id, None)

    async def _run(self, job_id: str) -> None:
        released = await asyncio.to_thread(release_dead_leases, self.services)
        if released:
            log.info("released %d chunk leases held by dead workers", released)
        await self.pipeline.run(job_id)

    def close(self) -> None:
        try:
            self._call(self.services.aclose()).result(timeout=60)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)

    def _call(self, coro: Any) -> Future[Any]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


_worker: _ProcessWorker | None = None
_worker_lock = threading.Lock()  # the threads pool runs several tasks in one process


def _process_worker(settings: Settings) -> _ProcessWorker:
    global _worker
    with _worker_lock:
        if _worker is None or _worker.pid != os.getpid():  # never reuse a parent's, after fork
            _worker = _ProcessWorker(settings)
        return _worker


def _close_process_worker(**_: Any) -> None:
    global _worker
    with _worker_lock:
        worker, _worker = _worker, None
    if worker is not None and worker.pid == os.getpid():
        worker.close()


signals.worker_process_shutdown.connect(_close_process_worker)  # prefork children
signals.worker_shutdown.connect(_close_process_worker)  # threads and solo: the worker itself
