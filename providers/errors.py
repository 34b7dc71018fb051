"""Provider errors: retryable (`ProviderUnavailable`) or not (`ProviderRejected`).

The tree::

    Exception
    ├── ConfigError                 bad or missing configuration (e.g. no API key); names the
    │                               setting or environment variable to fix
    └── ProviderError               the remote side (or the local engines) failed one chunk;
        │                           carries `provider`, `chunk_index` and a `reason` code
        ├── ProviderUnavailable     retryable: another attempt, or another provider, may succeed
        │                           reasons: rate_limited, server_error, timeout, network,
        │                           truncated_stream, unavailable; `retry_after` in seconds
        └── ProviderRejected        not retryable: the same request would fail again
                                    reasons: bad_request, auth, not_found, safety_block, length,
                                    malformed_output, rejected

`reason` is a short stable code for reports and metrics; `message` is for humans. Foreign
errors (httpx, JSON) are translated in one place (`providers.httpclient.map_http_errors`),
always chained with `from exc`.
"""

from __future__ import annotations

__all__ = ["ConfigError", "ProviderError", "ProviderRejected", "ProviderUnavailable"]


class ConfigError(Exception):
    """A provider cannot be built as configured; `setting` names what to set."""

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.setting = setting


class ProviderError(Exception):
    retryable = False
    default_reason = "error"

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        chunk_index: int | None = None,
        reason: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.chunk_index = chunk_index
        self.reason = reason or self.default_reason

    def __str__(self) -> str:
        return f"{self.message} [{self.provider}: {self.reason}]"


class ProviderUnavailable(ProviderError):
    """Timeouts, 429, 5xx: another attempt, or another provider, may succeed."""

    retryable = True
    default_reason = "unavailable"

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        chunk_index: int | None = None,
        reason: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider=provider, chunk_index=chunk_index, reason=reason)
        self.retry_after = retry_after


class ProviderRejected(ProviderError):
    """The provider refused this chunk (bad input, safety block): retrying will not help."""

    default_reason = "rejected"
