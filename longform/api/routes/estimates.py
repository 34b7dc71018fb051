"""/v1/estimates: what a job would cost and where each chunk would go, before it runs."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request

from ingest.errors import IngestError
from longform.api.deps import ServicesDep, TenantDep
from longform.api.errors import ApiError
from longform.api.routes.jobs import drop_orphan_source
from longform.api.upload import receive_upload
from longform.estimates import estimate_source
from longform.submission import SubmissionError, detect_type, parse_options

router = APIRouter(prefix="/v1/estimates", tags=["estimates"])


@router.post("", summary="Plan and price a file without analysing it")
async def estimate(request: Request, services: ServicesDep, _tenant: TenantDep) -> dict[str, Any]:
    """multipart/form-data: `file`, optional `options` (same as `POST /v1/jobs`).

    Nothing is analysed and nothing is spent; the upload is not kept unless a job uses it.
    """
    upload = await receive_upload(request, services.blobs, services.settings.max_upload_bytes)
    try:
        options = parse_options(upload.options)
        media_type = detect_type(upload.head, upload.size)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            services.ingest_executor, estimate_source, services, upload.sha256, media_type, options
        )
    except SubmissionError as exc:
        raise ApiError(exc.status, exc.code, exc.message) from exc
    except IngestError as exc:
        raise ApiError(422, exc.code, exc.message) from exc
    finally:
        await asyncio.to_thread(drop_orphan_source, services, upload.sha256)
