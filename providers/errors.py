"""Provider errors: retryable (`ProviderUnavailable`) or not (`ProviderRejected`)."""

from __future__ import annotations


class ProviderError(Exception):
    retryable = False

    def __init__(self, message: str, *, provider: str, chunk_index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.chunk_index = chunk_index


class ProviderUnavailable(ProviderError):
    """Timeouts, 429, 5xx: another attempt, or another provider, may succeed."""

    retryable = True


class ProviderRejected(ProviderError):
    """The provider refused this chunk (bad input, safety block): retrying will not help."""
