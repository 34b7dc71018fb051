"""What the API accepts and returns about jobs (separate from the store's rows)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class Progress(BaseModel):
    chunks_total: int
    chunks_done: int
    chunks_failed: int


class ErrorBody(BaseModel):
    code: str
    message: str


class ChunkError(BaseModel):
    index: int
    attempts: int
    message: str


class ChunkRouting(BaseModel):
    """Who analysed a chunk and why: the scheduler's decision and every attempt."""

    index: int
    status: str
    provider: str | None
    model: str | None
    reason: str | None
    attempts: int
    attempt_log: list[dict[str, Any]]
    cost_usd: float


class JobLinks(BaseModel):
    self: str
    report: str
    events: str


class JobCreated(BaseModel):
    id: str
    status: str
    links: JobLinks


class JobPublic(BaseModel):
    id: str
    status: str
    stage: str
    filename: str
    media_type: str
    size_bytes: int
    sha256: str
    pages: int | None
    duration_s: float | None
    options: dict[str, Any]
    progress: Progress
    cost_usd: float
    error: ErrorBody | None
    errors: list[ChunkError]
    chunks: list[ChunkRouting]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    links: JobLinks


class JobList(BaseModel):
    jobs: list[JobPublic]
    limit: int
    offset: int


class JobDeleted(BaseModel):
    id: str
    status: str
    purged: bool
