"""Run jobs as asyncio tasks in this process, a bounded number at a time."""

from __future__ import annotations

import asyncio
import logging

from longform.pipeline import Pipeline
from longform.runners.leases import release_dead_leases
from longform.services import Services
from longform.store import queries

log = logging.getLogger(__name__)


class InProcessRunner:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.pipeline = Pipeline(services)
        self._slots = asyncio.Semaphore(max(1, services.settings.job_concurrency))
        self._tasks: dict[str, asyncio.Task[None]] = {}

    async def start(self) -> None:
        released = await asyncio.to_thread(release_dead_leases, self.services)
        if released:
            log.info("released %d chunk leases held by dead workers", released)
        for job_id in await asyncio.to_thread(self._unfinished):
            await self.submit(job_id)

    async def submit(self, job_id: str) -> None:
        if job_id in self._tasks:
            return
        task = asyncio.create_task(self._run(job_id), name=f"job-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _t: self._tasks.pop(job_id, None))

    async def _run(self, job_id: str) -> None:
        async with self._slots:
            await self.pipeline.run(job_id)

    async def cancel(self, job_id: str) -> None:
        task = self._tasks.get(job_id)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _unfinished(self) -> list[str]:
        with self.services.sessions() as session:
            return queries.unfinished_job_ids(session)
