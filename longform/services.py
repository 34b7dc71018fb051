"""The shared resources of one process: store, blobs, providers, the ingest thread.

Built once by `create_app()` or the CLI from `Settings` (arq's startup `ctx`, made typed).
"""

from __future__ import annotations

import os
import socket
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, fields

from pydantic import SecretStr
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from longform.blobs import BlobStore, LocalBlobStore
from longform.config import Settings
from longform.store.db import make_engine, migrate, session_factory
from providers.base import Provider
from providers.local import LocalProvider
from providers.registry import configured_providers
from providers.scheduler import ProviderLimits, Scheduler


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    blobs: BlobStore
    providers: dict[str, Provider]
    scheduler: Scheduler = field(init=False)
    # PDFium is not thread-safe: every ingest call runs on this one thread.
    ingest_executor: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest")
    )
    owns_providers: bool = True  # False when a caller lent us warm providers
    # `longform analyze` runs one job: its analysis processes are freed before the report is
    # built, so their memory and the report's never add up. A server keeps them warm.
    one_shot: bool = False
    worker_id: str = field(
        default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    )

    def __post_init__(self) -> None:
        # One scheduler per process: provider health and rate limits are not per job.
        limits = {
            name: _limits(name, values) for name, values in self.settings.provider_limits.items()
        }
        self.scheduler = Scheduler(self.providers, limits=limits)

    async def aclose(self) -> None:
        if self.owns_providers:
            for provider in self.providers.values():
                await provider.aclose()
        self.ingest_executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


def _limits(name: str, values: dict[str, float]) -> ProviderLimits:
    known = {f.name for f in fields(ProviderLimits)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(
            f"LONGFORM_PROVIDER_LIMITS[{name!r}] has unknown keys {unknown}; known: {sorted(known)}"
        )
    typed = {
        k: int(v) if k in ("concurrency", "breaker_failures") else v for k, v in values.items()
    }
    return ProviderLimits(**typed)  # type: ignore[arg-type]


def _secret(value: SecretStr | None) -> str | None:
    return value.get_secret_value() if value is not None else None


def build_providers(settings: Settings) -> dict[str, Provider]:
    """`local` always; each cloud provider only when its key (or URL) is configured."""
    local = LocalProvider(
        workers=settings.local_workers, model_cache_dir=settings.data_dir / "models"
    )
    cloud = configured_providers(
        qwen_api_key=_secret(settings.qwen_api_key),
        qwen_base_url=settings.qwen_base_url,
        qwen_region=settings.qwen_region,
        openai_compat_base_url=settings.openai_compat_base_url,
        openai_compat_api_key=_secret(settings.openai_compat_api_key),
        openai_compat_model=settings.openai_compat_model,
        gemini_api_key=_secret(settings.gemini_api_key),
        gemini_base_url=settings.gemini_base_url,
    )
    return {local.name: local, **cloud}


def build_blob_store(settings: Settings) -> BlobStore:
    """The blob store `LONGFORM_BLOB_URL` names, checked: a missing bucket, bad credentials or
    an unwritable folder raise `BlobStoreUnavailable` here, at startup, with the reason."""
    location = settings.s3_blob_location()
    blobs: BlobStore
    if location is not None:
        from longform.blobs_s3 import S3BlobStore  # imports boto3 only when configured

        bucket, prefix = location
        blobs = S3BlobStore(
            bucket,
            prefix,
            settings.blob_cache_dir(),
            endpoint_url=settings.s3_endpoint_url,
        )
    else:
        blobs = LocalBlobStore(settings.resolved_blob_root())
    blobs.check()
    return blobs


def build_services(settings: Settings, providers: dict[str, Provider] | None = None) -> Services:
    """Build the process's services; `providers` lets a caller share already-warm ones."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    blobs = build_blob_store(settings)
    engine = make_engine(settings.resolved_database_url())
    migrate(engine)
    owns_providers = providers is None
    if providers is None:
        providers = build_providers(settings)
    return Services(
        settings=settings,
        engine=engine,
        sessions=session_factory(engine),
        blobs=blobs,
        providers=providers,
        owns_providers=owns_providers,
    )
