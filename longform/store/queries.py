"""Queries the API and the pipeline share. Every job lookup is scoped by tenant.

Chunk leases make analysis safe to resume: a chunk is claimed with a conditional UPDATE
(the same statement works on SQLite and PostgreSQL), renewed while it is analysed, and its
result is only accepted from the worker that still holds the lease.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, defer

from longform.store.models import (
    Asset,
    ChunkRow,
    ChunkStatus,
    Job,
    JobEvent,
    JobStatus,
    utcnow,
)


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def add_event(session: Session, job_id: str, event: str, **detail: Any) -> None:
    session.add(JobEvent(job_id=job_id, event=event, detail=detail))


def create_job(
    session: Session,
    *,
    tenant: str,
    filename: str,
    sha256: str,
    media_type: str,
    size_bytes: int,
    options: dict[str, Any],
    idempotency_key: str | None = None,
) -> Job:
    if session.get(Asset, sha256) is None:
        session.add(Asset(sha256=sha256, size_bytes=size_bytes, media_type=media_type))
    job = Job(
        tenant=tenant,
        filename=filename,
        sha256=sha256,
        media_type=media_type,
        size_bytes=size_bytes,
        options=options,
        idempotency_key=idempotency_key,
    )
    session.add(job)
    session.flush()
    add_event(
        session,
        job.id,
        "uploaded",
        filename=filename,
        sha256=sha256,
        size_bytes=size_bytes,
        media_type=media_type,
    )
    return job


def job_by_idempotency_key(session: Session, tenant: str, key: str) -> Job | None:
    return session.scalar(select(Job).where(Job.tenant == tenant, Job.idempotency_key == key))


def get_job(session: Session, job_id: str, tenant: str | None) -> Job | None:
    """`tenant=None` means the caller is trusted in-process code (runner, CLI)."""
    job = session.get(Job, job_id)
    if job is None or (tenant is not None and job.tenant != tenant):
        return None
    return job


def list_jobs(
    session: Session, tenant: str, *, limit: int, offset: int, status: JobStatus | None
) -> Sequence[Job]:
    query = select(Job).where(Job.tenant == tenant)
    if status is not None:
        query = query.where(Job.status == status)
    query = query.order_by(Job.created_at.desc()).limit(limit).offset(offset)
    return session.scalars(query).all()


def unfinished_job_ids(session: Session) -> list[str]:
    query = select(Job.id).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    return list(session.scalars(query.order_by(Job.created_at)))


def chunk_counts(session: Session, job_id: str) -> dict[ChunkStatus, int]:
    rows = session.execute(
        select(ChunkRow.status, func.count())
        .where(ChunkRow.job_id == job_id)
        .group_by(ChunkRow.status)
    )
    return {ChunkStatus(status): count for status, count in rows}


def job_cost(session: Session, job_id: str) -> float:
    """The chunks' cost plus what writing the summary cost (its `summary.written` event)."""
    total = session.scalar(select(func.sum(ChunkRow.cost_usd)).where(ChunkRow.job_id == job_id))
    summaries = session.scalars(
        select(JobEvent.detail).where(
            JobEvent.job_id == job_id, JobEvent.event == "summary.written"
        )
    )
    return float(total or 0.0) + sum(float(d.get("cost_usd") or 0.0) for d in summaries)


def chunk_errors(session: Session, job_id: str) -> Sequence[ChunkRow]:
    """Chunks that failed or are being retried, without loading any result."""
    return session.scalars(
        select(ChunkRow)
        .where(ChunkRow.job_id == job_id, ChunkRow.error.is_not(None))
        .where(ChunkRow.status != ChunkStatus.DONE)
        .order_by(ChunkRow.idx)
        .options(defer(ChunkRow.result))
    ).all()


def chunk_summaries(session: Session, job_id: str) -> Sequence[ChunkRow]:
    """All chunks of a job in order, without their (large) results."""
    return session.scalars(
        select(ChunkRow)
        .where(ChunkRow.job_id == job_id)
        .order_by(ChunkRow.idx)
        .options(defer(ChunkRow.result))
    ).all()


def chunks(session: Session, job_id: str) -> Sequence[ChunkRow]:
    return session.scalars(
        select(ChunkRow).where(ChunkRow.job_id == job_id).order_by(ChunkRow.idx)
    ).all()


def events(session: Session, job_id: str, after_id: int = 0) -> Sequence[JobEvent]:
    return session.scalars(
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.id > after_id)
        .order_by(JobEvent.id)
    ).all()


def count_events(session: Session, job_id: str, event: str) -> int:
    query = select(func.count()).where(JobEvent.job_id == job_id, JobEvent.event == event)
    return int(session.scalar(query) or 0)


def claim_chunk(session: Session, job_id: str, owner: str, lease_s: float) -> ChunkRow | None:
    """Lease the next pending (or abandoned) chunk of a job; None when there is none."""
    now = utcnow()
    claimable = or_(
        ChunkRow.status == ChunkStatus.PENDING,
        and_(ChunkRow.status == ChunkStatus.LEASED, ChunkRow.lease_expires_at < now),
    )
    for _ in range(5):  # another worker may win the race for a candidate: try the next one
        candidate = session.scalar(
            select(ChunkRow.id)
            .where(ChunkRow.job_id == job_id, claimable)
            .order_by(ChunkRow.idx)
            .limit(1)
        )
        if candidate is None:
            return None
        claimed = session.execute(
            update(ChunkRow)
            .where(ChunkRow.id == candidate, claimable)
            .values(
                status=ChunkStatus.LEASED,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_s),
                attempts=ChunkRow.attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            return session.get(ChunkRow, candidate, populate_existing=True)
    return None


def renew_lease(session: Session, chunk_id: int, owner: str, lease_s: float) -> bool:
    renewed = session.execute(
        update(ChunkRow)
        .where(ChunkRow.id == chunk_id, ChunkRow.lease_owner == owner)
        .where(ChunkRow.status == ChunkStatus.LEASED)
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_s))
    )
    session.commit()
    return bool(renewed.rowcount == 1)  # type: ignore[attr-defined]


def finish_chunk(
    session: Session, chunk_id: int, owner: str, status: ChunkStatus, **values: Any
) -> bool:
    """Record a chunk's outcome, only if `owner` still holds its lease (no double writes)."""
    finished = session.execute(
        update(ChunkRow)
        .where(ChunkRow.id == chunk_id, ChunkRow.lease_owner == owner)
        .where(ChunkRow.status == ChunkStatus.LEASED)
        .values(status=status, lease_owner=None, lease_expires_at=None, **values)
    )
    return bool(finished.rowcount == 1)  # type: ignore[attr-defined]


def release_leases(session: Session, owners: Sequence[str]) -> int:
    """Hand chunks held by dead workers back to the queue at once."""
    if not owners:
        return 0
    released = session.execute(
        update(ChunkRow)
        .where(ChunkRow.status == ChunkStatus.LEASED, ChunkRow.lease_owner.in_(owners))
        .values(status=ChunkStatus.PENDING, lease_owner=None, lease_expires_at=None)
    )
    session.commit()
    return int(released.rowcount)  # type: ignore[attr-defined]


def lease_owners(session: Session) -> list[str]:
    query = select(ChunkRow.lease_owner).where(ChunkRow.status == ChunkStatus.LEASED).distinct()
    return [owner for owner in session.scalars(query) if owner]


def purge_job(session: Session, job: Job) -> bool:
    """Delete a job's rows; True when no other job still uses its source asset."""
    session.execute(delete(JobEvent).where(JobEvent.job_id == job.id))
    session.execute(delete(ChunkRow).where(ChunkRow.job_id == job.id))
    sha256 = job.sha256
    session.delete(job)
    session.flush()
    still_used = session.scalar(select(func.count()).where(Job.sha256 == sha256))
    if still_used:
        return False
    session.execute(delete(Asset).where(Asset.sha256 == sha256))
    return True
