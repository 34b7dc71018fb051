"""/v1/jobs: submit, poll, list, cancel+purge, fetch the report, follow events."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response, StreamingResponse

from analysis.render import CONTENT_TYPES, FormatNotApplicable, render
from analysis.schema import Report
from longform import keyframes
from longform.api.deps import RunnerDep, ServicesDep, TenantDep
from longform.api.errors import ApiError
from longform.api.present import job_public, links
from longform.api.schemas import JobCreated, JobDeleted, JobList, JobPublic
from longform.api.upload import receive_upload
from longform.chunkwork import keyframe_key
from longform.services import Services
from longform.store import queries
from longform.store.models import Asset, Job, JobStatus
from longform.submission import SubmissionError, create_job, parse_options

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])

ReportFormat = Literal["json", "md", "html", "srt", "vtt", "csv", "dat", "opt", "pbcore"]
# The HTML report is one self-contained file: no scripts, no remote resources. The headers
# repeat what its meta CSP says and add what a meta tag cannot (frame-ancestors, nosniff).
_HTML_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
}
_KEYFRAME_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.jpe?g$")


@router.post("", status_code=202, response_model=JobCreated, summary="Upload a file as a job")
async def submit_job(
    request: Request,
    services: ServicesDep,
    runner: RunnerDep,
    tenant: TenantDep,
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> JobCreated:
    """multipart/form-data: `file` (required), `options` (JSON, optional).

    Send an `Idempotency-Key` header to make retries safe: the same key from the same
    tenant returns the job it already created instead of starting another.
    """
    upload = await receive_upload(request, services.blobs, services.settings.max_upload_bytes)
    try:
        options = parse_options(upload.options)
        job_id, created = await asyncio.to_thread(
            create_job,
            services,
            tenant=tenant,
            filename=upload.filename,
            sha256=upload.sha256,
            size=upload.size,
            head=upload.head,
            options=options,
            idempotency_key=idempotency_key,
        )
    except SubmissionError as exc:
        await asyncio.to_thread(drop_orphan_source, services, upload.sha256)
        raise ApiError(exc.status, exc.code, exc.message) from exc
    if not created:
        with services.sessions() as session:
            job = _job_or_404(session, job_id, tenant)
            return JobCreated(id=job.id, status=job.status.value, links=links(job.id))
    await runner.submit(job_id)
    return JobCreated(id=job_id, status=JobStatus.QUEUED.value, links=links(job_id))


@router.get("", response_model=JobList, summary="List jobs")
def list_jobs(
    services: ServicesDep,
    tenant: TenantDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    status: JobStatus | None = None,
) -> JobList:
    with services.sessions() as session:
        jobs = queries.list_jobs(session, tenant, limit=limit, offset=offset, status=status)
        return JobList(jobs=[job_public(session, j) for j in jobs], limit=limit, offset=offset)


@router.get("/{job_id}", response_model=JobPublic, summary="Status, stage and progress")
def get_job(job_id: str, services: ServicesDep, tenant: TenantDep) -> JobPublic:
    with services.sessions() as session:
        return job_public(session, _job_or_404(session, job_id, tenant))


@router.delete("/{job_id}", response_model=JobDeleted, summary="Cancel a job and purge its data")
async def delete_job(
    job_id: str, services: ServicesDep, runner: RunnerDep, tenant: TenantDep
) -> JobDeleted:
    await asyncio.to_thread(_mark_cancelled, services, job_id, tenant)
    await runner.cancel(job_id)
    purged = await asyncio.to_thread(_purge, services, job_id)
    return JobDeleted(id=job_id, status=JobStatus.CANCELLED.value, purged=purged)


@router.get(
    "/{job_id}/report",
    summary="The report: json (canonical), md, html, srt, vtt, csv, dat, opt or pbcore",
)
def get_report(
    job_id: str,
    services: ServicesDep,
    tenant: TenantDep,
    format: ReportFormat = "json",
    embed: bool = False,
) -> Response:
    """`embed=true` (html only) puts the keyframes into the file as data: URIs, so it is one
    self-contained file that shows its images even where the API needs a key."""
    with services.sessions() as session:
        job = _job_or_404(session, job_id, tenant)
        if job.report_key is None:
            raise ApiError(409, "report_not_ready", f"the job is {job.status.value}; no report yet")
        data = services.blobs.get(job.report_key)
    if format == "json":
        return Response(data, media_type=CONTENT_TYPES["json"])
    try:
        body = render(Report.model_validate_json(data), format)
    except FormatNotApplicable as exc:
        raise ApiError(409, "format_not_applicable", str(exc)) from exc
    headers = {"Content-Disposition": f'inline; filename="report.{format}"'}
    if format == "html":
        headers |= _HTML_HEADERS
        if embed and isinstance(body, str):
            body = keyframes.embed(body, services.blobs, job_id)
            headers["Content-Security-Policy"] = headers["Content-Security-Policy"].replace(
                "img-src 'self'", "img-src 'self' data:"
            )
    return Response(body, media_type=CONTENT_TYPES[format], headers=headers)


@router.get("/{job_id}/keyframes/{name}", summary="A keyframe image (JPEG) cited by the report")
def get_keyframe(job_id: str, name: str, services: ServicesDep, tenant: TenantDep) -> Response:
    if not _KEYFRAME_NAME.match(name):
        raise ApiError(404, "keyframe_not_found", f"no keyframe {name!r}")
    with services.sessions() as session:
        _job_or_404(session, job_id, tenant)
    key = keyframe_key(job_id, name)
    if not services.blobs.exists(key):
        raise ApiError(404, "keyframe_not_found", f"no keyframe {name!r}")
    return Response(services.blobs.get(key), media_type="image/jpeg")


@router.get("/{job_id}/events", summary="Server-sent events: the job's event log, live")
async def job_events(job_id: str, services: ServicesDep, tenant: TenantDep) -> StreamingResponse:
    await asyncio.to_thread(_check_visible, services, job_id, tenant)
    return StreamingResponse(_event_stream(services, job_id), media_type="text/event-stream")


async def _event_stream(services: Services, job_id: str) -> AsyncIterator[str]:
    last_id = 0
    while True:
        batch, status = await asyncio.to_thread(_events_after, services, job_id, last_id)
        for event_id, name, payload in batch:
            last_id = event_id
            yield f"id: {event_id}\nevent: {name}\ndata: {json.dumps(payload)}\n\n"
        if status is None or status.terminal:
            return
        yield ": keep-alive\n\n"
        await asyncio.sleep(0.5)


def _events_after(
    services: Services, job_id: str, last_id: int
) -> tuple[list[tuple[int, str, dict[str, object]]], JobStatus | None]:
    with services.sessions() as session:
        job = session.get(Job, job_id)
        rows = queries.events(session, job_id, last_id)
        batch = [(row.id, row.event, {"at": str(row.at), **row.detail}) for row in rows]
        return batch, job.status if job else None


def _job_or_404(session: object, job_id: str, tenant: str) -> Job:
    job = queries.get_job(session, job_id, tenant)  # type: ignore[arg-type]
    if job is None:
        raise ApiError(404, "job_not_found", f"no job {job_id}")
    return job


def _check_visible(services: Services, job_id: str, tenant: str) -> None:
    with services.sessions() as session:
        _job_or_404(session, job_id, tenant)


def _mark_cancelled(services: Services, job_id: str, tenant: str) -> None:
    with services.sessions() as session:
        job = _job_or_404(session, job_id, tenant)
        if not job.status.terminal:
            job.status = JobStatus.CANCELLED
            queries.add_event(session, job_id, "cancelled")
        session.commit()


def _purge(services: Services, job_id: str) -> bool:
    with services.sessions() as session:
        job = session.get(Job, job_id)
        if job is None:
            return True
        sha256 = job.sha256
        source_unused = queries.purge_job(session, job)
        session.commit()
    services.blobs.delete_prefix(f"jobs/{job_id}")
    if source_unused:
        services.blobs.delete_source(sha256)
    return True


def drop_orphan_source(services: Services, sha256: str) -> None:
    with services.sessions() as session:
        if session.get(Asset, sha256) is None:
            services.blobs.delete_source(sha256)
