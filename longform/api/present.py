"""Turn store rows into API schemas."""

from __future__ import annotations

from sqlalchemy.orm import Session

from longform.api.schemas import (
    ChunkError,
    ChunkRouting,
    ErrorBody,
    JobLinks,
    JobPublic,
    Progress,
)
from longform.options import JobOptions
from longform.store import queries
from longform.store.models import ChunkStatus, Job


def links(job_id: str) -> JobLinks:
    base = f"/v1/jobs/{job_id}"
    return JobLinks(self=base, report=f"{base}/report", events=f"{base}/events")


def job_public(session: Session, job: Job) -> JobPublic:
    counts = queries.chunk_counts(session, job.id)
    cost = queries.job_cost(session, job.id)
    errors = [
        ChunkError(index=row.idx, attempts=row.attempts, message=row.error or "")
        for row in queries.chunk_errors(session, job.id)
    ]
    chunks = [
        ChunkRouting(
            index=row.idx,
            status=row.status.value,
            provider=row.provider,
            model=row.model,
            reason=row.reason,
            attempts=row.attempts,
            attempt_log=row.trail or [],
            cost_usd=row.cost_usd,
        )
        for row in queries.chunk_summaries(session, job.id)
    ]
    error = (
        ErrorBody(code=job.error_code, message=job.error_message or "") if job.error_code else None
    )
    return JobPublic(
        id=job.id,
        status=job.status.value,
        stage=job.stage.value,
        filename=job.filename,
        media_type=job.media_type,
        size_bytes=job.size_bytes,
        sha256=job.sha256,
        pages=job.pages,
        duration_s=job.duration_s,
        options=JobOptions.model_validate(job.options).public(),
        progress=Progress(
            chunks_total=sum(counts.values()),
            chunks_done=counts.get(ChunkStatus.DONE, 0),
            chunks_failed=counts.get(ChunkStatus.FAILED, 0),
        ),
        cost_usd=round(cost, 6),
        error=error,
        errors=errors,
        chunks=chunks,
        created_at=queries.as_utc(job.created_at) or job.created_at,
        started_at=queries.as_utc(job.started_at),
        finished_at=queries.as_utc(job.finished_at),
        links=links(job.id),
    )
