"""Helpers for service tests: an ASGI client with the app's lifespan, and job polling."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from longform.api.app import create_app
from longform.config import Settings
from longform.services import Services, build_services
from providers.base import Provider

TERMINAL = {"succeeded", "partial", "failed", "cancelled"}


@asynccontextmanager
async def api_client(
    settings: Settings, providers: dict[str, Provider]
) -> AsyncIterator[tuple[httpx.AsyncClient, Services]]:
    services = build_services(settings, providers)
    app = create_app(settings, services)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
                yield client, services
    finally:
        await services.aclose()


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    filename: str = "doc.pdf",
    options: str | None = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    form = {"options": options} if options is not None else None
    return await client.post(
        "/v1/jobs", files={"file": (filename, data, "application/pdf")}, data=form, headers=headers
    )


async def wait_for(
    client: httpx.AsyncClient, job_id: str, timeout: float = 120.0, **kw: Any
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = await client.get(f"/v1/jobs/{job_id}", **kw)
        assert response.status_code == 200, response.text
        job: dict[str, Any] = response.json()
        if job["status"] in TERMINAL:
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
