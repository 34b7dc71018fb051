"""Settings from `LONGFORM_*` environment variables.

Built in `create_app()` / the CLI, never at import, so tests and embedders can pass their own.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.backend import ChunkBudget

_PLACEHOLDERS = {"changethis", "changeme", "secret", "xxx"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LONGFORM_", extra="ignore")

    data_dir: Path = Path("./longform-data")
    database_url: str | None = None  # default: sqlite:///<data_dir>/longform.db (WAL)
    blob_url: str | None = None  # default: file://<data_dir>/blobs; or s3://bucket/prefix
    # An S3-compatible store other than AWS (MinIO, Ceph, R2, ...); credentials and region come
    # from the standard AWS chain (AWS_ACCESS_KEY_ID/..., AWS_PROFILE, ~/.aws), never from here.
    s3_endpoint_url: str | None = None
    broker_url: str | None = None  # set → jobs run on Celery workers (`longform worker`)
    # A job a killed worker held goes back on the queue after this long (Redis transport).
    # Keep it above your longest job: a job still running when it lapses is delivered again,
    # which is safe (chunk leases) but runs a second pipeline alongside the first.
    broker_visibility_timeout: float = Field(default=3600.0, gt=0)

    # "tenant:key" pairs, comma separated; a bare key belongs to tenant "default".
    # With no keys the API is open, and `serve` refuses to bind anything but loopback.
    api_keys: SecretStr | None = None

    max_upload_bytes: int = 8 * 1024**3
    max_pages: int = 5000
    chunk_context_tokens: int = 12_000
    chunk_max_pages: int = 40
    chunk_overlap_pages: int = 1
    chunk_seconds: float = 120.0
    chunk_overlap_s: float = 4.0
    ocr_languages: str = "eng"
    ocr_dpi: int = 200

    job_concurrency: int = 2  # jobs running at once in-process
    chunk_concurrency: int = 2  # chunks in flight per process
    local_workers: int = Field(default=2, ge=1)  # analysis processes of the local provider
    chunk_max_attempts: int = 3
    max_job_resumes: int = 5  # a job interrupted more often than this fails (poison pill)
    # Per provider: concurrency, requests_per_minute, tokens_per_minute, token_burst,
    # breaker_failures, breaker_cooldown_s. JSON, e.g.
    # LONGFORM_PROVIDER_LIMITS='{"qwen": {"requests_per_minute": 60, "concurrency": 4}}'
    provider_limits: dict[str, dict[str, float]] = Field(default_factory=dict)
    lease_seconds: float = 120.0

    qwen_api_key: SecretStr | None = None
    qwen_base_url: str | None = None
    qwen_region: str | None = None
    gemini_api_key: SecretStr | None = None
    gemini_base_url: str | None = None
    openai_compat_base_url: str | None = None
    openai_compat_api_key: SecretStr | None = None
    openai_compat_model: str | None = None

    @field_validator("api_keys", "qwen_api_key", "gemini_api_key", "openai_compat_api_key")
    @classmethod
    def _refuse_placeholders(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip().lower() in _PLACEHOLDERS:
            raise ValueError("replace the placeholder secret with a real value")
        return value

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'longform.db').resolve()}"

    def resolved_blob_root(self) -> Path:
        """The blob folder of a file:// (or unset) blob URL."""
        url = self.blob_url or ""
        if url.startswith("file://"):
            return Path(url.removeprefix("file://"))
        if url:
            raise ValueError(
                f"unsupported LONGFORM_BLOB_URL {url!r}: use file:///path or s3://bucket/prefix"
            )
        return self.data_dir / "blobs"

    def s3_blob_location(self) -> tuple[str, str] | None:
        """(bucket, key prefix) of an s3:// blob URL; None for a local blob folder."""
        url = self.blob_url or ""
        if not url.startswith("s3://"):
            return None
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise ValueError(f"LONGFORM_BLOB_URL {url!r} names no bucket: use s3://bucket/prefix")
        return bucket, prefix.strip("/")

    def blob_cache_dir(self) -> Path:
        """Where an object-store backend keeps local copies (sources for ingest, parts)."""
        return self.data_dir / "blob-cache"

    def chunk_budget(self) -> ChunkBudget:
        return ChunkBudget(
            context_tokens=self.chunk_context_tokens,
            max_pages=self.chunk_max_pages,
            overlap_pages=self.chunk_overlap_pages,
            chunk_seconds=self.chunk_seconds,
            overlap_s=self.chunk_overlap_s,
        )

    def tenant_keys(self) -> dict[str, str]:
        """Map API key → tenant name."""
        if self.api_keys is None:
            return {}
        keys: dict[str, str] = {}
        for item in self.api_keys.get_secret_value().split(","):
            item = item.strip()
            if not item:
                continue
            tenant, sep, key = item.partition(":")
            keys[key if sep else tenant] = tenant if sep else "default"
        return keys
