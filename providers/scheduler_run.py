"""Run one chunk down its candidate list: limits, breakers, telemetry, hedging, the trail.

Retries of one provider live in the provider (one layer only, STYLE practice 8); here a
failure moves the chunk to the next candidate. Every try is an `Attempt` — skips for an
open circuit and cancelled hedge losers included — so the report can tell who analysed a
chunk, why, and what it cost. When every candidate fails the outcome carries no result and
the whole trail: the shell records a gap, never loses the chunk.

Health accounting: `ProviderUnavailable`, crashes and configuration rejections (`auth`,
`not_found`) count against a provider (error rate, breaker); other rejections are about
the content (safety block, bad output) and do not.

Hedging (latency policy): the p95 timer starts when the first request is queued, so a request
stuck behind its provider's rate limit is hedged too; if the hedge wins first, the queued
request is cancelled before it is sent (nothing billed twice). A loser that was already sent
is cancelled on our side; whether the provider bills it is the provider's business.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from typing import Final

from analysis.schema import ChunkResult
from ingest.types import Chunk
from providers.base import AnalysisTask, Provider
from providers.errors import ProviderError, ProviderRejected
from providers.scheduler_health import ProviderState
from providers.scheduler_types import Attempt, Decision, Outcome

__all__ = ["Runner"]

log = logging.getLogger(__name__)

CONFIG_REJECTIONS: Final = frozenset({"auth", "not_found"})
HEDGE_MARGIN_S: Final = 0.001  # "slower than p95": a request exactly at its p95 is not hedged


def _ms(seconds: float) -> int:
    return max(0, round(seconds * 1000))


class Runner:
    def __init__(
        self,
        providers: Mapping[str, Provider],
        states: Mapping[str, ProviderState],
        clock: Callable[[], float],
    ) -> None:
        self.providers = providers
        self.states = states
        self.clock = clock

    async def run(self, chunk: Chunk, task: AnalysisTask, decision: Decision) -> Outcome:
        attempts: list[Attempt] = []
        names = [n for n in decision.candidates if n in self.providers]
        i = 0
        while i < len(names):
            partner = self._hedge_partner(decision, names, i)
            if partner is not None:
                result = await self._hedged(names[i], partner, chunk, task, attempts)
                i += 2
            else:
                result = await self._attempt(names[i], chunk, task, attempts)
                i += 1
            if result is not None:
                return Outcome(result, attempts, _reason(decision, attempts, result))
        return Outcome(None, attempts, _reason(decision, attempts, None))

    def _hedge_partner(self, decision: Decision, names: list[str], i: int) -> str | None:
        """Latency policy: the next cloud candidate, once the first has a p95 to beat."""
        if decision.policy != "latency" or i + 1 >= len(names):
            return None
        partner = names[i + 1]
        if self.providers[partner].capabilities.offline:
            return None
        return partner if self.states[names[i]].stats.p95_ms() is not None else None

    async def _hedged(
        self, first: str, second: str, chunk: Chunk, task: AnalysisTask, attempts: list[Attempt]
    ) -> ChunkResult | None:
        """Send to `first`; if it is slower than its p95, also to `second`; first answer wins."""
        p95_ms = self.states[first].stats.p95_ms() or 0.0
        race_start = len(attempts)
        running = {asyncio.create_task(self._attempt(first, chunk, task, attempts))}
        won = False
        try:
            done, _ = await asyncio.wait(running, timeout=p95_ms / 1000 + HEDGE_MARGIN_S)
            if done:
                result = done.pop().result()
                return result or await self._attempt(second, chunk, task, attempts)
            hedge = self._attempt(second, chunk, task, attempts, hedge=True)
            running.add(asyncio.create_task(hedge))
            while running:
                done, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for finished in done:
                    result = finished.result()
                    if result is not None:
                        won = True
                        return result
            return None
        finally:
            for loser in running:
                loser.cancel()
            await asyncio.gather(*running, return_exceptions=True)
            for a in attempts[race_start:]:
                if won and a.outcome == "cancelled":
                    a.error = "hedge_lost"

    async def _attempt(
        self,
        name: str,
        chunk: Chunk,
        task: AnalysisTask,
        attempts: list[Attempt],
        *,
        hedge: bool = False,
    ) -> ChunkResult | None:
        provider, state = self.providers[name], self.states[name]
        queued = self.clock()
        probe = state.breaker.state(queued) == "half-open"
        if not state.breaker.admit(queued):
            attempts.append(Attempt(name, provider.model, queued, "skipped", error="circuit_open"))
            return None
        attempt = Attempt(name, provider.model, queued, "failed", hedge=hedge)
        attempts.append(attempt)
        try:
            result = await self._call(provider, state, attempt, chunk, task)
            if result.chunk_index != chunk.index:
                raise ValueError(f"answered chunk {result.chunk_index} for chunk {chunk.index}")
        except asyncio.CancelledError:
            attempt.outcome, attempt.error = "cancelled", "cancelled"
            if probe:
                state.breaker.release()
            raise
        except Exception as exc:
            self._failed(state, attempt, exc, chunk.index, probe)
            return None
        attempt.outcome, attempt.model, attempt.cost_usd = "ok", result.model, result.cost_usd
        state.breaker.success()
        state.stats.ok(attempt.latency_ms)
        state.model_stats(result.model).ok(attempt.latency_ms)
        state.spend_usd += result.cost_usd
        return result

    async def _call(
        self,
        provider: Provider,
        state: ProviderState,
        attempt: Attempt,
        chunk: Chunk,
        task: AnalysisTask,
    ) -> ChunkResult:
        """One provider call under its concurrency slot and rate limits, timed."""
        waiting = True
        state.waiting += 1
        try:
            async with state.slots:
                await state.admit_rate(chunk.token_estimate)
                state.waiting -= 1
                waiting = False
                state.in_flight += 1
                started = self.clock()
                attempt.wait_ms = _ms(started - attempt.started_s)
                attempt.started_s = started
                try:
                    return await provider.analyze(chunk, task)
                finally:
                    state.in_flight -= 1
                    attempt.latency_ms = _ms(self.clock() - started)
        finally:
            if waiting:
                state.waiting -= 1

    def _failed(
        self, state: ProviderState, attempt: Attempt, exc: Exception, index: int, probe: bool
    ) -> None:
        if isinstance(exc, ProviderError):
            attempt.error, attempt.message = exc.reason, exc.message
            rejected = isinstance(exc, ProviderRejected)
            attempt.outcome = "rejected" if rejected else "failed"
            counts = not rejected or exc.reason in CONFIG_REJECTIONS
        else:  # a provider bug: try the next one, keep the trace
            log.error("provider %s crashed on chunk %s", attempt.provider, index, exc_info=exc)
            attempt.outcome, attempt.error = "crashed", type(exc).__name__
            attempt.message, counts = str(exc), True
        if counts:
            state.breaker.failure(self.clock())
            state.stats.failed()
            state.model_stats(attempt.model).failed()
        elif probe:
            state.breaker.release()


def _reason(decision: Decision, attempts: list[Attempt], result: ChunkResult | None) -> str:
    tried = []
    for a in attempts:
        label = "hedge " if a.hedge else ""
        detail = f" ({a.error})" if a.error and a.outcome != "ok" else ""
        tried.append(f"{label}{a.provider} {a.outcome}{detail}")
    ending = (
        f"answered by {result.provider}"
        if result is not None
        else "every candidate failed: recorded as a gap"
    )
    return f"{decision.reason}; attempts: {', '.join(tried) or 'none'}; {ending}"
