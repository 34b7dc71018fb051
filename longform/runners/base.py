"""One protocol for running jobs: in-process (default) or on Celery workers (scale-out)."""

from __future__ import annotations

from typing import Protocol


class JobRunner(Protocol):
    async def start(self) -> None:
        """Resume unfinished jobs (after a crash or restart) and begin accepting work."""

    async def submit(self, job_id: str) -> None:
        """Schedule a stored job; returns at once."""

    async def cancel(self, job_id: str) -> None:
        """Stop a job's work in this process, if any."""

    async def drain(self) -> None:
        """Wait until every scheduled job has finished (burst mode, for the CLI and tests)."""

    async def stop(self) -> None:
        """Stop work; unfinished jobs resume on the next start."""
