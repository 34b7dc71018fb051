"""Scheduler simulation: the real `Scheduler` over simulated providers on virtual time.

Two jobs — a 3-hour video in 2-minute chunks (90) and a 3,000-page document in 30-page
chunks (100) — run through `providers.scheduler.Scheduler` the way the shell runs them (lanes
that `decide` with the spend so far, then `run`), on `VirtualTimeLoop`: real asyncio, real
aiolimiter, simulated seconds. Providers draw latencies from log-normal distributions (3% slow
outliers ×4; Qwen adds a 150–300 ms first-token spike on complex prompts), enforce their rate
limits through the scheduler, and one of them has an outage window (503s). Costs come from
`providers.pricing`.

Figures: makespan against the lower bound (chunks divided by the capacity the rate limits
and concurrency allow, integrated over time with the outage removed), cost against the
cheapest feasible assignment (each chunk on the cheapest cloud provider allowed to take it),
chunks lost, and scheduler overhead per chunk (wall time of `decide`; and the whole
simulation's wall time per chunk, an upper bound that includes the event loop, the limiter
and the simulated providers).

    .venv/bin/python bench/scheduler_sim.py
"""

from __future__ import annotations

import asyncio
import math
import random
import time
from dataclasses import dataclass, field
from typing import Any

import _common  # also puts the repository root on sys.path

from analysis.schema import ChunkResult, Usage
from ingest.types import Chunk, ChunkPart, Span
from providers.base import AnalysisTask, Capabilities
from providers.errors import ProviderUnavailable
from providers.pricing import cost_usd
from providers.scheduler import JobPolicy, Outcome, ProviderLimits, Scheduler, chunk_info
from providers.scheduler_vclock import VirtualTimeLoop, run_virtual

ALL = frozenset({"text", "image", "audio", "video"})
LANES = 24  # chunks in flight (the shell's chunk_concurrency across workers)


@dataclass(frozen=True)
class Spec:
    name: str
    model: str
    region: str
    median_s: float  # median latency of one chunk
    limits: ProviderLimits
    spike: bool = False  # Qwen MoE: +150–300 ms first token on complex prompts
    outage: tuple[float, float] | None = None
    offline: bool = False
    tier: int = 1

    def mean_s(self) -> float:
        body = self.median_s * math.exp(0.25**2 / 2) * (0.97 + 0.03 * 4)
        return body + (0.1125 if self.spike else 0.0)


@dataclass
class SimProvider:
    spec: Spec
    seed: int
    capabilities: Capabilities = field(init=False)
    calls: int = 0

    def __post_init__(self) -> None:
        s = self.spec
        self.name, self.model = s.name, s.model
        self.capabilities = Capabilities(
            modalities=ALL,
            context_tokens=1_000_000,
            max_pages_per_chunk=200,
            max_chunk_seconds=1800.0,
            regions=frozenset({s.region}),
            offline=s.offline,
            cost_tier=s.tier,
        )
        self.rng = random.Random(self.seed)

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        self.calls += 1
        loop = asyncio.get_running_loop()
        s = self.spec
        if s.outage and s.outage[0] <= loop.time() < s.outage[1]:
            await asyncio.sleep(0.5)
            raise ProviderUnavailable("503 UNAVAILABLE", provider=s.name, reason="server_error")
        latency = s.median_s * self.rng.lognormvariate(0, 0.25)
        latency *= 4 if self.rng.random() < 0.03 else 1
        if s.spike and chunk.index % 2:  # every other prompt counts as complex
            latency += self.rng.uniform(0.15, 0.30)
        await asyncio.sleep(latency)
        return ChunkResult(
            chunk_index=chunk.index,
            span=chunk.span,
            provider=s.name,
            model=s.model,
            usage=(usage := actual_usage(chunk)),
            cost_usd=0.0 if s.offline else cost_usd(s.name, s.model, s.region, usage),
        )

    async def aclose(self) -> None:
        return None


def actual_usage(chunk: Chunk) -> Usage:
    rng = random.Random(chunk.index)
    tokens = round(chunk.token_estimate * rng.uniform(0.9, 1.1))
    return Usage(input_tokens=tokens, output_tokens=round(tokens * rng.uniform(0.06, 0.16)))


def video_job() -> tuple[list[Chunk], list[Spec], float]:
    chunks = []
    for i in range(90):
        span = Span.seconds(i * 120.0, (i + 1) * 120.0)
        part = ChunkPart(kind="video", mime="video/mp4", span=span, blob_key=f"v{i}")
        chunks.append(Chunk(index=i, span=span, parts=[part], token_estimate=28_000))
    specs = [
        Spec("qwen", "qwen3-vl-plus", "intl", 9.0, ProviderLimits(8, 20, 800_000), spike=True),
        Spec("gemini", "gemini-2.5-flash", "global", 6.0, ProviderLimits(8, 15, 1_000_000),
             outage=(60.0, 180.0)),
        Spec("local", "local-engines", "local", 45.0, ProviderLimits(2), offline=True, tier=0),
    ]  # fmt: skip
    return chunks, specs, 3 * 3600.0


def document_job() -> tuple[list[Chunk], list[Spec], float]:
    chunks = []
    for i in range(100):
        span = Span.pages(i * 30 + 1, (i + 1) * 30)
        part = ChunkPart(kind="text", span=span, text="lorem ipsum")
        chunks.append(Chunk(index=i, span=span, parts=[part], token_estimate=15_000))
    specs = [
        Spec("qwen", "qwen-flash", "intl", 7.0, ProviderLimits(6, 30, 300_000), spike=True,
             outage=(40.0, 120.0)),
        Spec("gemini", "gemini-2.5-flash", "global", 5.0, ProviderLimits(8, 20, 400_000)),
        Spec("local", "local-engines", "local", 20.0, ProviderLimits(2), offline=True, tier=0),
    ]  # fmt: skip
    return chunks, specs, 3000.0


def capacity(spec: Spec, tokens: int) -> float:
    """Chunks per second the provider's limits allow (concurrency at its mean latency)."""
    lim = spec.limits
    rate = lim.concurrency / spec.mean_s()
    if lim.requests_per_minute:
        rate = min(rate, lim.requests_per_minute / 60)
    if lim.tokens_per_minute:
        rate = min(rate, lim.tokens_per_minute / 60 / tokens)
    return rate


def lower_bound(specs: list[Spec], n: int, tokens: int) -> float:
    """Smallest T with ∫₀ᵀ capacity(t) dt ≥ n over these cloud providers, outages removed."""
    done, t, step = 0.0, 0.0, 0.01
    while done < n:
        for s in specs:
            if not s.offline and not (s.outage and s.outage[0] <= t < s.outage[1]):
                done += capacity(s, tokens) * step
        t += step
    return t


def cheapest(chunks: list[Chunk], specs: list[Spec]) -> float:
    total = 0.0
    for chunk in chunks:
        usage = actual_usage(chunk)
        total += min(cost_usd(s.name, s.model, s.region, usage) for s in specs if not s.offline)
    return total


async def drive(
    s: Scheduler, chunks: list[Chunk], job: JobPolicy
) -> tuple[dict[int, Outcome], float]:
    pending, outcomes, spent, decide_s = list(chunks), {}, [0.0], [0.0]
    task = AnalysisTask(policy=job.policy)

    async def lane() -> None:
        while pending:
            chunk = pending.pop(0)
            started = time.perf_counter()
            decision = s.decide(chunk_info(chunk, detect=None), job, spent[0])
            decide_s[0] += time.perf_counter() - started
            outcome = await s.run(chunk, task, decision)
            spent[0] += outcome.result.cost_usd if outcome.result else 0.0
            outcomes[chunk.index] = outcome

    await asyncio.gather(*(lane() for _ in range(LANES)))
    return outcomes, decide_s[0]


def simulate(name: str, make: Any, policy: str, seed: int = 7) -> dict[str, Any]:
    chunks, specs, size = make()
    loop = VirtualTimeLoop()
    providers = {sp.name: SimProvider(sp, seed + i) for i, sp in enumerate(specs)}
    limits = {sp.name: sp.limits for sp in specs}
    scheduler = Scheduler(providers, limits=limits, clock=loop.time)
    media = chunks[0].span.is_pages is False
    job = JobPolicy(
        policy=policy, duration_s=size if media else None, pages=None if media else int(size)
    )
    wall = time.perf_counter()
    outcomes, decide_s = run_virtual(drive(scheduler, chunks, job), loop)
    wall = time.perf_counter() - wall
    makespan = loop.time()
    tokens = chunks[0].token_estimate
    bound = lower_bound(specs, len(chunks), tokens)
    results = [o.result for o in outcomes.values() if o.result is not None]
    attempts = [a for o in outcomes.values() for a in o.attempts]
    cost = sum(r.cost_usd for r in results)
    served: dict[str, int] = {}
    for r in results:
        served[r.provider] = served.get(r.provider, 0) + 1
    used = lower_bound([sp for sp in specs if sp.name in served], len(chunks), tokens)
    return {
        "job": name,
        "policy": policy,
        "chunks": len(chunks),
        "makespan_s": round(makespan, 1),
        "bound_s": round(bound, 1),
        "ratio": round(makespan / bound, 3),
        "bound_used_s": round(used, 1),  # over the providers this policy actually used
        "ratio_used": round(makespan / used, 3),
        "cost_usd": round(cost, 4),
        "cheapest_usd": round(cheapest(chunks, specs), 4),
        "lost": len(chunks) - len(results),
        "served": served,
        "failed_attempts": sum(a.outcome in ("failed", "crashed") for a in attempts),
        "skipped_open": sum(a.outcome == "skipped" for a in attempts),
        "hedges": sum(a.hedge for a in attempts),
        "hedge_losers_sent": sum(a.outcome == "cancelled" and a.latency_ms > 0 for a in attempts),
        "decide_us_per_chunk": round(decide_s / len(chunks) * 1e6, 1),
        "wall_ms_per_chunk": round(wall / len(chunks) * 1e3, 3),
    }


def main() -> None:
    rows = [
        simulate("video 3 h / 90 chunks", video_job, "balanced"),
        simulate("video 3 h / 90 chunks", video_job, "latency"),
        simulate("video 3 h / 90 chunks", video_job, "accuracy"),
        simulate("video 3 h / 90 chunks", video_job, "cost"),
        simulate("document 3,000 pp / 100 chunks", document_job, "balanced"),
        simulate("document 3,000 pp / 100 chunks", document_job, "accuracy"),
    ]
    keys = list(rows[0])
    _common.print_table(keys, [[r[k] for k in keys] for r in rows])
    _common.write_json("scheduler_sim", {"machine": _common.machine(), "runs": rows})


if __name__ == "__main__":
    main()
