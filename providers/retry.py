"""The one retry layer for provider calls: bounded attempts, bounded total time, jitter.

Only `ProviderUnavailable` is retried. A server's hint (`retry_after`, from Retry-After or
Gemini's RetryInfo) is honoured but capped by the remaining budget; otherwise the delay is
exponential with full jitter. Nothing below this layer retries (httpx transports are built
with retries=0), and nothing above it should: the scheduler fails over instead.

Tests disable the sleeps with `LONGFORM_RETRY_FAST=1` (read at each call, so no module state
and no monkeypatching), or per call with `base_delay_s=0`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from providers.errors import ProviderUnavailable

__all__ = ["FAST_ENV", "backoff_delay", "with_retries"]

log = logging.getLogger(__name__)

T = TypeVar("T")

FAST_ENV = "LONGFORM_RETRY_FAST"
FAST_CAP_S = 0.01  # in fast mode every sleep, even a server's hint, is at most this long


def backoff_delay(
    error: ProviderUnavailable,
    attempt: int,
    remaining_s: float,
    *,
    base_delay_s: float = 0.5,
    max_delay_s: float = 30.0,
) -> float:
    """Seconds to wait before attempt `attempt + 1` (attempts count from 1)."""
    if error.retry_after is not None:
        delay = max(0.0, error.retry_after)
    else:
        delay = random.uniform(0.0, min(max_delay_s, base_delay_s * 2 ** (attempt - 1)))
    if os.environ.get(FAST_ENV) == "1":
        delay = min(delay, FAST_CAP_S)
    return min(delay, max(0.0, remaining_s))


async def with_retries(
    call: Callable[[], Awaitable[T]],
    *,
    provider: str,
    attempts: int = 4,
    total_timeout_s: float = 120.0,
    base_delay_s: float = 0.5,
    max_delay_s: float = 30.0,
) -> T:
    """Await `call()` until it succeeds, raises a non-retryable error, or the budget runs out.

    The last `ProviderUnavailable` is re-raised when attempts are used up or when the wait its
    hint asks for would not fit in the remaining time (waiting just to fail helps nobody).
    """
    deadline = time.monotonic() + total_timeout_s
    for attempt in range(1, attempts + 1):
        remaining = deadline - time.monotonic()
        try:
            async with asyncio.timeout(max(remaining, 0.0)):
                return await call()
        except TimeoutError as exc:
            raise ProviderUnavailable(
                f"gave up after {total_timeout_s:g} s over {attempt} attempt(s)",
                provider=provider,
                reason="timeout",
            ) from exc
        except ProviderUnavailable as exc:
            remaining = deadline - time.monotonic()
            if attempt == attempts or _hint_too_long(exc, remaining):
                raise
            delay = backoff_delay(
                exc, attempt, remaining, base_delay_s=base_delay_s, max_delay_s=max_delay_s
            )
            log.warning(
                "%s: attempt %d/%d failed (%s: %s); retrying in %.2f s",
                provider,
                attempt,
                attempts,
                exc.reason,
                exc.message,
                delay,
            )
            await asyncio.sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises


def _hint_too_long(error: ProviderUnavailable, remaining_s: float) -> bool:
    fast = os.environ.get(FAST_ENV) == "1"
    return error.retry_after is not None and error.retry_after > remaining_s and not fast
