"""The scheduler: route every chunk by policy, language, residency, budget and live health.

One long-lived `Scheduler` per process serves every job (its health is the providers',
not a job's). The shell asks, per job, `refusal(job)` at submission and `estimate(...)` for
a dry run; per chunk, `decide(...)` with the job's spend so far, then `run(...)`, and
records the outcome's result or gap, attempts and reason. `health()` feeds
`GET /v1/providers`. Rules and their order: `providers.scheduler_rules`.

Residency: `local` (any offline provider) runs on the operator's own machines, so it
satisfies every `options.regions`. A job is refused only when it names providers
(`options.providers`) without `local` and none of them is configured and inside its regions:
running it on `local` instead would be running it somewhere the user did not choose.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from ingest.types import Chunk
from providers.base import AnalysisTask, Provider
from providers.scheduler_cost import estimate_cost
from providers.scheduler_health import ProviderState
from providers.scheduler_rules import Router
from providers.scheduler_run import Runner
from providers.scheduler_types import (
    Attempt,
    ChunkEstimate,
    ChunkInfo,
    Decision,
    Estimate,
    JobPolicy,
    Outcome,
    ProviderHealth,
    ProviderLimits,
    chunk_info,
)

__all__ = [
    "Attempt",
    "ChunkEstimate",
    "ChunkInfo",
    "Decision",
    "Estimate",
    "JobPolicy",
    "Outcome",
    "ProviderHealth",
    "ProviderLimits",
    "Scheduler",
    "chunk_info",
]


class Scheduler:
    """:param providers: by name, the offline `local` one included (it ends every list).
    :param limits: per provider name; a missing entry gets `ProviderLimits()`.
    :param clock: monotonic seconds, for latencies and breaker cool-downs (tests inject one).
    """

    def __init__(
        self,
        providers: Mapping[str, Provider],
        *,
        limits: Mapping[str, ProviderLimits] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.providers = dict(providers)
        self.clock = clock
        given = limits or {}
        self.states = {n: ProviderState(given.get(n, ProviderLimits())) for n in self.providers}
        self.router = Router(self.providers, self.states, clock)
        self.runner = Runner(self.providers, self.states, clock)

    def decide(self, chunk: ChunkInfo, job: JobPolicy, spent_usd: float) -> Decision:
        """Ordered candidates for `chunk` (offline fallback last) and the reason."""
        return self.router.decide(chunk, job, spent_usd)

    async def run(self, chunk: Chunk, task: AnalysisTask, decision: Decision) -> Outcome:
        """Try the candidates in order; never raises for a provider's failure."""
        return await self.runner.run(chunk, task, decision)

    def refusal(self, job: JobPolicy) -> str | None:
        """Why no configured provider may serve `job` (a 4xx at submission), or None."""
        fallbacks = set(self.router.fallbacks)
        if not job.providers or fallbacks & set(job.providers):
            return None
        allowed = {r.lower() for r in job.regions}
        problems = []
        for name in job.providers:
            if name not in self.providers:
                problems.append(f"{name} is not configured")
            elif allowed and not allowed & self.router.traits[name].zones:
                served = ", ".join(sorted(self.providers[name].capabilities.regions))
                problems.append(f"{name} serves {served}, outside regions {sorted(allowed)}")
            else:
                return None
        hint = (
            'local (on-premises) is allowed in every region: add "local" to options.providers '
            "to run offline"
            if fallbacks
            else "no offline provider is configured"
        )
        return f"no requested provider can serve this job: {'; '.join(problems)}; {hint}"

    def estimate(self, chunks: list[ChunkInfo], job: JobPolicy) -> Estimate:
        """The plan before anything is spent: provider, tokens and cost per chunk, a range."""
        planned: list[ChunkEstimate] = []
        spent = 0.0
        for chunk in chunks:
            decision = self.decide(chunk, job, spent)
            name = decision.candidates[0] if decision.candidates else "none"
            provider = self.providers.get(name)
            if provider is None:
                planned.append(ChunkEstimate(chunk.index, name, "", 0, 0, 0, 0, 0, decision.reason))
                continue
            cost = estimate_cost(provider, chunk)
            spent += cost.cost_usd
            planned.append(
                ChunkEstimate(
                    index=chunk.index,
                    provider=name,
                    model=cost.model,
                    input_tokens=cost.input_tokens,
                    output_tokens=cost.output_tokens,
                    cost_usd=cost.cost_usd,
                    cost_low_usd=cost.low_usd,
                    cost_high_usd=cost.high_usd,
                    reason=decision.reason,
                    downgraded=decision.downgraded,
                )
            )
        return _totals(planned)

    def health(self) -> dict[str, ProviderHealth]:
        now = self.clock()
        return {name: state.health(now) for name, state in self.states.items()}


def _totals(planned: list[ChunkEstimate]) -> Estimate:
    by_provider: dict[str, float] = {}
    for c in planned:
        by_provider[c.provider] = round(by_provider.get(c.provider, 0.0) + c.cost_usd, 8)
    return Estimate(
        chunks=planned,
        input_tokens=sum(c.input_tokens for c in planned),
        output_tokens=sum(c.output_tokens for c in planned),
        cost_usd=round(sum(c.cost_usd for c in planned), 8),
        cost_low_usd=round(sum(c.cost_low_usd for c in planned), 8),
        cost_high_usd=round(sum(c.cost_high_usd for c in planned), 8),
        by_provider=by_provider,
        downgraded=[c.index for c in planned if c.downgraded],
    )
