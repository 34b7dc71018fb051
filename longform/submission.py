"""Accept an uploaded source as a job: validate type and options, store the row.

Shared by the HTTP API and `longform analyze`, so both refuse the same inputs the same way.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from ingest.sniff import sniff_media_type
from ingest.types import MediaType
from longform.options import JobOptions, job_policy
from longform.services import Services
from longform.store import queries


class SubmissionError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def parse_options(raw: bytes | str | None) -> JobOptions:
    if not raw:
        return JobOptions()
    try:
        return JobOptions.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "options"
        raise SubmissionError(400, "invalid_options", f"{where}: {first['msg']}") from exc


def detect_type(head: bytes, size: int) -> MediaType:
    if size == 0:
        raise SubmissionError(400, "empty_file", "the file is empty")
    media_type = sniff_media_type(head)
    if media_type is None:
        raise SubmissionError(
            415,
            "unsupported_media_type",
            "the file's content is not a supported type (PDF, MP4/MOV/MKV/WebM/AVI video, "
            "WAV/MP3/M4A/AAC/FLAC/OGG/Opus audio)",
        )
    return media_type


def create_job(
    services: Services,
    *,
    tenant: str,
    filename: str,
    sha256: str,
    size: int,
    head: bytes,
    options: JobOptions,
    idempotency_key: str | None = None,
) -> tuple[str, bool]:
    """The job's id, and whether it is new (False: the Idempotency-Key named an earlier one)."""
    media_type = detect_type(head, size)
    unknown = [name for name in options.providers if name not in services.providers]
    if unknown:
        configured = ", ".join(sorted(services.providers))
        raise SubmissionError(
            400,
            "provider_not_configured",
            f"options.providers names {', '.join(unknown)}, which this server has no key or "
            f"URL for (configured: {configured})",
        )
    refusal = services.scheduler.refusal(job_policy(options))
    if refusal is not None:
        raise SubmissionError(422, "unservable", refusal)
    with services.sessions() as session:
        if idempotency_key is not None:
            earlier = queries.job_by_idempotency_key(session, tenant, idempotency_key)
            if earlier is not None:
                return earlier.id, False
        job = queries.create_job(
            session,
            tenant=tenant,
            filename=filename,
            sha256=sha256,
            media_type=media_type.value,
            size_bytes=size,
            options=options.model_dump(mode="json"),
            idempotency_key=idempotency_key,
        )
        try:
            session.commit()
        except IntegrityError:  # the same key raced us here: the other request's job wins
            session.rollback()
            earlier = queries.job_by_idempotency_key(session, tenant, idempotency_key or "")
            if earlier is None:
                raise
            return earlier.id, False
        return job.id, True
