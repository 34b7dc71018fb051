"""Run jobs on Celery workers: the API only enqueues job IDs; `longform worker` runs them.

`start` re-enqueues nothing. A job that was running when its worker died is still an
unacknowledged message, and the broker hands it to another worker (see `celery_app`);
enqueuing it again from the API would start a second pipeline beside the redelivered one.
`cancel` has nothing to stop here: the API marks the job cancelled in the store, and the
worker's pipeline checks that between chunks.
"""

from __future__ import annotations

import asyncio

from longform.runners.celery_app import QUEUE, TASK, make_celery
from longform.services import Services
from longform.store.models import Job


class CeleryRunner:
    def __init__(self, services: Services, poll_s: float = 0.5) -> None:
        self.services = services
        self.app = make_celery(services.settings)
        self.poll_s = poll_s
        self._submitted: set[str] = set()

    async def start(self) -> None:
        """Nothing to resume from here: workers resume jobs through redelivery."""

    async def submit(self, job_id: str) -> None:
        await asyncio.to_thread(self.app.send_task, TASK, args=[job_id], queue=QUEUE)
        self._submitted.add(job_id)

    async def cancel(self, job_id: str) -> None:
        """The job is already marked cancelled in the store; the worker stops between chunks."""
        self._submitted.discard(job_id)

    async def drain(self) -> None:
        """Poll the store until every job submitted here is terminal (or gone)."""
        while self._submitted:
            pending = await asyncio.to_thread(self._unfinished, set(self._submitted))
            self._submitted &= pending
            if self._submitted:
                await asyncio.sleep(self.poll_s)

    async def stop(self) -> None:
        await asyncio.to_thread(self.app.close)

    def _unfinished(self, job_ids: set[str]) -> set[str]:
        with self.services.sessions() as session:
            return {
                job_id
                for job_id in job_ids
                if (job := session.get(Job, job_id)) is not None and not job.status.terminal
            }
