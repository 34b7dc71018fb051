"""Health, readiness, metrics, the report schema and the provider list."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select, text

from analysis.schema import report_json_schema
from longform.api.deps import ServicesDep, TenantDep
from longform.api.errors import ApiError
from longform.blobs import BlobStoreUnavailable
from longform.store.models import ChunkRow, Job

router = APIRouter(tags=["system"])


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store and blob storage answer")
def readyz(services: ServicesDep) -> dict[str, str]:
    try:
        with services.sessions() as session:
            session.execute(text("SELECT 1"))
        services.blobs.check()
    except BlobStoreUnavailable as exc:
        raise ApiError(503, "not_ready", str(exc)) from exc
    except Exception as exc:
        raise ApiError(503, "not_ready", f"{type(exc).__name__}: {exc}") from exc
    return {"status": "ready"}


@router.get("/metrics", response_class=PlainTextResponse, summary="Prometheus metrics")
def metrics(services: ServicesDep) -> str:
    with services.sessions() as session:
        jobs = session.execute(select(Job.status, func.count()).group_by(Job.status)).all()
        chunks = session.execute(
            select(ChunkRow.status, func.count()).group_by(ChunkRow.status)
        ).all()
    lines = ["# TYPE longform_jobs gauge"]
    lines += [f'longform_jobs{{status="{s.value}"}} {n}' for s, n in jobs]
    lines += ["# TYPE longform_chunks gauge"]
    lines += [f'longform_chunks{{status="{s.value}"}} {n}' for s, n in chunks]
    return "\n".join(lines) + "\n"


@router.get("/v1/schema/report", summary="JSON Schema of the report")
def report_schema() -> dict[str, Any]:
    return report_json_schema()


@router.get("/v1/providers", summary="Configured providers and their capabilities")
def providers(services: ServicesDep, _tenant: TenantDep) -> dict[str, Any]:
    listed = []
    health = services.scheduler.health()
    for provider in services.providers.values():
        caps = provider.capabilities
        live = health.get(provider.name)
        listed.append(
            {
                "name": provider.name,
                "model": provider.model,
                "offline": caps.offline,
                "modalities": sorted(caps.modalities),
                "regions": sorted(caps.regions),
                "context_tokens": caps.context_tokens,
                "health": asdict(live) if live is not None else None,
            }
        )
    return {"providers": listed}
