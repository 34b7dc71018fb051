"""The FastAPI application factory. Nothing is built at import time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from longform.api.deps import hash_key
from longform.api.errors import install_error_handlers
from longform.api.routes import estimates, jobs, system
from longform.config import Settings
from longform.runners.base import JobRunner
from longform.runners.inprocess import InProcessRunner
from longform.services import Services, build_services


def create_app(settings: Settings | None = None, services: Services | None = None) -> FastAPI:
    """Build the app. `services` lets a caller (tests, the CLI) share already-built services."""
    settings = settings or (services.settings if services else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = services is None
        built = services or build_services(settings)
        runner = _runner(built)
        app.state.services = built
        app.state.runner = runner
        app.state.hashed_keys = {hash_key(k): t for k, t in settings.tenant_keys().items()}
        await runner.start()
        try:
            yield
        finally:
            await runner.stop()
            if owned:
                await built.aclose()

    app = FastAPI(
        title="Longform",
        version="0.1.0",
        summary="Long video, audio and PDFs in; structured, cited reports out.",
        lifespan=lifespan,
    )
    install_error_handlers(app)
    app.include_router(jobs.router)
    app.include_router(estimates.router)
    app.include_router(system.router)
    return app


def _runner(services: Services) -> JobRunner:
    """Celery workers when a broker is configured (scale-out), else this process."""
    if services.settings.broker_url:
        from longform.runners.celery_runner import CeleryRunner  # imports Celery only here

        return CeleryRunner(services)
    return InProcessRunner(services)
