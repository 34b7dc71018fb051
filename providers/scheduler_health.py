"""Live health of one provider: circuit breaker, EWMA latency and error rate, limits, load.

Times come from the scheduler's injected clock (seconds, monotonic). Waits for limits run on
the event loop's clock (`aiolimiter` and `asyncio.Semaphore`), which is `time.monotonic` in
production and virtual in the tests and the simulation (`scheduler_vclock`).

Rate limits use `aiolimiter.AsyncLimiter` (a leaky bucket). Requests are paced one at a
time (bucket of 1, refilled every 60/rpm s), so no 60-second window ever holds more than
`requests_per_minute` requests. Tokens use a bucket of `token_burst` (default a tenth of the
minute's budget); a request larger than the bucket is admitted in bucket-sized pieces, so
it waits its full share (one request's pieces in a row). A request is admitted once all its
pieces are paid, so a 60-second window admits at most `tokens_per_minute` + one bucket +
one request's tokens; over a job the rate is `tokens_per_minute`.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field
from typing import Final, Literal

from aiolimiter import AsyncLimiter

from providers.scheduler_types import ModelHealth, ProviderHealth, ProviderLimits

__all__ = ["Breaker", "LatencyStats", "ProviderState"]

LATENCY_ALPHA: Final = 0.2  # EWMA weight of the newest latency
ERROR_ALPHA: Final = 0.1  # EWMA weight of the newest success (0) or failure (1)
WINDOW: Final = 50  # latencies kept for the p95
MIN_P95_SAMPLES: Final = 5  # fewer: no p95, so no hedging

State = Literal["closed", "open", "half-open"]


@dataclass
class Breaker:
    """Opens after `failures` consecutive failures; half-open after `cooldown_s`; one probe."""

    failures: int
    cooldown_s: float
    consecutive: int = 0
    opened_at: float | None = None
    probing: bool = False

    def state(self, now: float) -> State:
        if self.opened_at is None:
            return "closed"
        return "half-open" if now - self.opened_at >= self.cooldown_s else "open"

    def admit(self, now: float) -> bool:
        """May a request go now? In half-open, only one probe at a time."""
        state = self.state(now)
        if state == "closed":
            return True
        if state == "half-open" and not self.probing:
            self.probing = True
            return True
        return False

    def success(self) -> None:
        self.consecutive, self.opened_at, self.probing = 0, None, False

    def failure(self, now: float) -> None:
        self.consecutive += 1
        if self.probing or self.consecutive >= self.failures:
            self.opened_at = now
        self.probing = False

    def release(self) -> None:
        """A probe ended without a verdict (cancelled): let another probe go."""
        self.probing = False


@dataclass
class LatencyStats:
    ewma_ms: float | None = None
    error_rate: float = 0.0
    requests: int = 0
    failures: int = 0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW))

    def ok(self, latency_ms: float) -> None:
        self.requests += 1
        self.recent.append(latency_ms)
        if self.ewma_ms is None:
            self.ewma_ms = latency_ms
        else:
            self.ewma_ms += LATENCY_ALPHA * (latency_ms - self.ewma_ms)
        self.error_rate *= 1 - ERROR_ALPHA

    def failed(self) -> None:
        self.requests += 1
        self.failures += 1
        self.error_rate += ERROR_ALPHA * (1 - self.error_rate)

    def p95_ms(self) -> float | None:
        if len(self.recent) < MIN_P95_SAMPLES:
            return None
        ordered = sorted(self.recent)
        return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]

    def model_health(self) -> ModelHealth:
        return ModelHealth(self.ewma_ms, round(self.error_rate, 4), self.requests)


class ProviderState:
    """Everything the scheduler tracks for one provider."""

    def __init__(self, limits: ProviderLimits) -> None:
        self.limits = limits
        self.breaker = Breaker(limits.breaker_failures, limits.breaker_cooldown_s)
        self.stats = LatencyStats()
        self.models: dict[str, LatencyStats] = {}
        self.spend_usd = 0.0
        self.in_flight = 0  # calls under way
        self.waiting = 0  # runs waiting for a slot or a rate limit
        self.slots = asyncio.Semaphore(max(1, limits.concurrency))
        rpm, tpm = limits.requests_per_minute, limits.tokens_per_minute
        self.requests = AsyncLimiter(1, 60.0 / rpm) if rpm else None
        self.burst = float(limits.token_burst or (tpm / 10 if tpm else 0.0))
        self.tokens = AsyncLimiter(self.burst, self.burst * 60.0 / tpm) if tpm else None
        self.token_turn = asyncio.Lock()

    async def admit_rate(self, tokens: int) -> None:
        """Wait for the request and token budgets (call with a concurrency slot held)."""
        if self.requests is not None:
            await self.requests.acquire()
        if self.tokens is not None:
            async with self.token_turn:  # one request's pieces in a row
                left = float(max(tokens, 1))
                while left > 0:
                    piece = min(left, self.burst)
                    await self.tokens.acquire(piece)
                    left -= piece

    def model_stats(self, model: str) -> LatencyStats:
        return self.models.setdefault(model, LatencyStats())

    def service_rate(self, latency_s: float, tokens: int) -> float:
        """Chunks per second this provider can take: concurrency, requests, tokens."""
        rate = max(1, self.limits.concurrency) / max(latency_s, 1e-3)
        if self.limits.requests_per_minute:
            rate = min(rate, self.limits.requests_per_minute / 60.0)
        if self.limits.tokens_per_minute:
            rate = min(rate, self.limits.tokens_per_minute / 60.0 / max(tokens, 1))
        return rate

    def health(self, now: float) -> ProviderHealth:
        return ProviderHealth(
            state=self.breaker.state(now),
            ewma_latency_ms=None if self.stats.ewma_ms is None else round(self.stats.ewma_ms, 1),
            error_rate=round(self.stats.error_rate, 4),
            p95_ms=self.stats.p95_ms(),
            requests=self.stats.requests,
            failures=self.stats.failures,
            spend_usd=round(self.spend_usd, 8),
            in_flight=self.in_flight,
            models={name: s.model_health() for name, s in self.models.items()},
        )
