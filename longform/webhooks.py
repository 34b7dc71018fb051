"""Tell a job's `webhook_url` when the job ends: one POST with the job's id, status and links.

Delivery is best effort with a few retries; the outcome is recorded in the job's events so
a user can see whether (and why not) the hook was reached. Secrets never go in the body.
"""

from __future__ import annotations

import asyncio
import logging

import httpx

from longform.options import JobOptions
from longform.services import Services
from longform.store import queries
from longform.store.models import Job

log = logging.getLogger(__name__)
ATTEMPTS = 3


async def notify(services: Services, job_id: str) -> None:
    body, url = await asyncio.to_thread(_payload, services, job_id)
    if url is None:
        return
    outcome = "failed"
    detail = ""
    async with httpx.AsyncClient(timeout=10.0) as client:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                response = await client.post(url, json=body)
                detail = f"HTTP {response.status_code}"
                if response.is_success:
                    outcome = "delivered"
                    break
            except httpx.HTTPError as exc:
                detail = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(0.5 * attempt)
    await asyncio.to_thread(_record, services, job_id, outcome, detail, attempt)


def _payload(services: Services, job_id: str) -> tuple[dict[str, object], str | None]:
    with services.sessions() as session:
        job = session.get(Job, job_id)
        if job is None:
            return {}, None
        options = JobOptions.model_validate(job.options)
        base = f"/v1/jobs/{job.id}"
        body: dict[str, object] = {
            "id": job.id,
            "status": job.status.value,
            "filename": job.filename,
            "sha256": job.sha256,
            "error": {"code": job.error_code, "message": job.error_message}
            if job.error_code
            else None,
            "links": {"self": base, "report": f"{base}/report"},
        }
        return body, options.webhook_url


def _record(services: Services, job_id: str, outcome: str, detail: str, attempts: int) -> None:
    with services.sessions() as session:
        if session.get(Job, job_id) is None:
            return
        queries.add_event(session, job_id, f"webhook.{outcome}", detail=detail, attempts=attempts)
        session.commit()
