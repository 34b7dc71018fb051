"""A job whose worker keeps dying (a poison pill) fails with its reason instead of looping."""

from __future__ import annotations

from pathlib import Path

import pytest

from longform.config import Settings
from longform.pipeline import Pipeline
from longform.services import build_services
from longform.store import queries
from longform.store.models import Job, JobStatus
from longform.submission import create_job, parse_options
from providers.base import Provider
from tests.service.sample import make_sample_pdf


@pytest.mark.anyio
async def test_a_job_interrupted_too_often_fails_with_its_reason(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider]
) -> None:
    services = build_services(settings, providers)
    try:
        writer = services.blobs.writer()
        writer.write(make_sample_pdf(tmp_path / "c.pdf").read_bytes())
        sha256 = writer.commit()
        job_id, _ = create_job(
            services, tenant="default", filename="c.pdf", sha256=sha256,
            size=writer.size, head=writer.head, options=parse_options(None),
        )  # fmt: skip
        with services.sessions() as session:  # as if five earlier runs had died mid-job
            job = session.get(Job, job_id)
            assert job is not None
            job.status = JobStatus.RUNNING
            for _ in range(settings.max_job_resumes):
                queries.add_event(session, job_id, "resumed", worker="gone:1:x")
            session.commit()

        await Pipeline(services).run(job_id)

        with services.sessions() as session:
            job = session.get(Job, job_id)
            assert job is not None and job.status is JobStatus.FAILED
            assert job.error_code == "interrupted_repeatedly"
            assert queries.chunk_counts(session, job_id) == {}  # nothing was analysed again
    finally:
        await services.aclose()
