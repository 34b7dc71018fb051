"""`Scheduler.run` on a virtual-time loop: failover, limits, breakers, budget, hedging."""

from __future__ import annotations

import asyncio

from analysis.schema import ChunkResult
from ingest.types import Chunk
from providers.base import AnalysisTask
from providers.errors import ProviderRejected
from providers.scheduler import JobPolicy, Outcome, ProviderLimits, Scheduler, chunk_info
from providers.scheduler_vclock import VirtualTimeLoop, run_virtual
from tests.scheduler.fakes import (
    FakeProvider,
    FunctionProvider,
    Step,
    answer,
    caps,
    gemini,
    local,
    qwen,
    video_chunk,
)

TASK = AnalysisTask()
LONG = JobPolicy(policy="accuracy", duration_s=3 * 3600)


def scheduler(
    *providers: FakeProvider | FunctionProvider,
    loop: VirtualTimeLoop,
    limits: dict[str, ProviderLimits] | None = None,
) -> Scheduler:
    return Scheduler({p.name: p for p in providers}, limits=limits, clock=loop.time)


async def job(
    s: Scheduler, chunks: list[Chunk], policy: JobPolicy, lanes: int = 4
) -> dict[int, Outcome]:
    """What the shell does: lanes that decide with the spend so far, then run."""
    pending, done = list(chunks), {}
    spent = [0.0]

    async def lane() -> None:
        while pending:
            chunk = pending.pop(0)
            decision = s.decide(chunk_info(chunk, detect=None), policy, spent[0])
            outcome = await s.run(chunk, TASK, decision)
            spent[0] += outcome.result.cost_usd if outcome.result else 0.0
            done[chunk.index] = outcome

    await asyncio.gather(*(lane() for _ in range(lanes)))
    return done


def test_outage_mid_job_loses_no_chunk_and_records_the_failover() -> None:
    loop = VirtualTimeLoop()
    q = qwen(latency_s=2.0)
    q.outage = (10.0, 25.0)
    s = scheduler(q, gemini(latency_s=1.0), local(), loop=loop)
    outcomes = run_virtual(job(s, [video_chunk(i) for i in range(200)], LONG), loop)
    assert sorted(outcomes) == list(range(200))
    assert all(o.result is not None for o in outcomes.values())
    failed_over = [o for o in outcomes.values() if o.attempts[0].outcome != "ok"]
    assert failed_over
    for o in failed_over:
        assert o.result is not None and o.result.provider == "gemini"
        assert "qwen failed (server_error)" in o.reason or "qwen skipped (circuit_open)" in o.reason
        assert o.reason.endswith("answered by gemini")
    late = [o for i, o in outcomes.items() if i > 190]
    assert all(o.result is not None and o.result.provider == "qwen" for o in late)  # recovered


def test_every_candidate_failing_is_a_gap_with_the_full_trail() -> None:
    loop = VirtualTimeLoop()
    g, q, lo = gemini(), qwen(), local()
    g.fail_next(1)
    q.enqueue(Step(0.1, ProviderRejected("blocked", provider="qwen", reason="safety_block")))
    lo.fail_next(1, reason="unavailable")
    s = scheduler(q, g, lo, loop=loop)

    async def one() -> Outcome:
        chunk = video_chunk(7)
        return await s.run(chunk, TASK, s.decide(chunk_info(chunk), LONG, 0.0))

    outcome = run_virtual(one(), loop)
    assert outcome.result is None
    assert [(a.provider, a.outcome, a.error) for a in outcome.attempts] == [
        ("qwen", "rejected", "safety_block"),
        ("gemini", "failed", "server_error"),
        ("local", "failed", "unavailable"),
    ]
    assert outcome.reason.endswith("every candidate failed: recorded as a gap")
    assert s.health()["qwen"].failures == 0  # a content rejection is not ill health


def test_a_crashing_provider_or_a_wrong_answer_fails_over() -> None:
    loop = VirtualTimeLoop()

    async def crash(chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        raise KeyError("bug")

    async def wrong(chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        return answer("gemini", "gemini-2.5-flash", "global", video_chunk(99), 10)

    s = scheduler(
        FunctionProvider("qwen", "qwen3-vl-plus", caps("intl", tier=2), crash),
        FunctionProvider("gemini", "gemini-2.5-flash", caps("global"), wrong),
        local(),
        loop=loop,
    )
    chunk = video_chunk(1)
    outcome = run_virtual(s.run(chunk, TASK, s.decide(chunk_info(chunk), LONG, 0.0)), loop)
    assert [a.outcome for a in outcome.attempts] == ["crashed", "crashed", "ok"]
    assert outcome.attempts[1].message == "answered chunk 99 for chunk 1"
    assert outcome.result is not None and outcome.result.provider == "local"


def test_rate_limits_are_never_exceeded_in_any_window() -> None:
    loop = VirtualTimeLoop()
    q = qwen(latency_s=1.0)
    limits = {"qwen": ProviderLimits(concurrency=50, requests_per_minute=6)}
    s = scheduler(q, local(), loop=loop, limits=limits)
    outcomes = run_virtual(job(s, [video_chunk(i) for i in range(20)], LONG, lanes=20), loop)
    assert all(o.result and o.result.provider == "qwen" for o in outcomes.values())
    times = sorted(t for _, t in q.calls)
    assert len(times) == 20
    assert max(sum(1 for t in times if a <= t < a + 60) for a in times) <= 6
    assert times[-1] >= 19 * 10 - 1e-6  # paced: one every 10 s
    waited = [o.attempts[0].wait_ms for o in outcomes.values()]
    assert max(waited) >= 180_000


def test_token_limit_paces_large_chunks() -> None:
    loop = VirtualTimeLoop()
    q = qwen(latency_s=1.0)
    limits = {"qwen": ProviderLimits(concurrency=50, tokens_per_minute=100_000)}
    s = scheduler(q, local(), loop=loop, limits=limits)
    run_virtual(job(s, [video_chunk(i, tokens=30_000) for i in range(10)], LONG, lanes=10), loop)
    times = sorted(t for _, t in q.calls)
    burst = 10_000  # a tenth of the minute's tokens
    worst = max(sum(30_000 for t in times if a <= t < a + 60) for a in times)
    assert worst <= 100_000 + burst + 30_000  # see ProviderState: + one bucket + one request
    assert times[-1] >= (10 * 30_000 - burst) / 100_000 * 60 - 1e-6


def test_concurrency_limit_holds() -> None:
    loop = VirtualTimeLoop()
    peak = [0, 0]

    async def slow(chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        peak[0] += 1
        peak[1] = max(peak)
        await asyncio.sleep(3.0)
        peak[0] -= 1
        return answer("qwen", "qwen3-vl-plus", "intl", chunk, 100)

    q = FunctionProvider("qwen", "qwen3-vl-plus", caps("intl", tier=2), slow)
    s = scheduler(q, local(), loop=loop, limits={"qwen": ProviderLimits(concurrency=2)})
    run_virtual(job(s, [video_chunk(i) for i in range(8)], LONG, lanes=8), loop)
    assert peak[1] == 2
    assert loop.is_closed()


def test_budget_cap_reached_mid_job_downgrades_later_chunks() -> None:
    loop = VirtualTimeLoop()
    q, g = qwen(), gemini()
    s = scheduler(q, g, local(), loop=loop)
    policy = JobPolicy(policy="latency", budget_usd=0.05)
    chunks = [video_chunk(i, tokens=30_000) for i in range(12)]
    outcomes = run_virtual(job(s, chunks, policy, lanes=1), loop)
    assert sorted(outcomes) == list(range(12))
    providers = [outcomes[i].result.provider for i in range(12)]  # type: ignore[union-attr]
    assert providers[0] == "gemini" and providers[-1] == "local"
    assert "qwen" in providers  # cheaper before local
    first_down = next(i for i in range(12) if "downgraded: budget" in outcomes[i].reason)
    assert first_down > 0
    assert all(p != "gemini" for p in providers[first_down:])
    spent = sum(o.result.cost_usd for o in outcomes.values() if o.result)
    assert spent <= 0.05


def test_breaker_opens_skips_then_half_open_probe_closes_it() -> None:
    loop = VirtualTimeLoop()
    q = qwen()
    q.fail_next(3)
    limits = {"qwen": ProviderLimits(breaker_failures=3, breaker_cooldown_s=30)}
    s = scheduler(q, gemini(), local(), loop=loop, limits=limits)

    async def scenario() -> list[Outcome]:
        chunks = [video_chunk(i) for i in range(5)]
        stale = s.decide(chunk_info(chunks[0]), LONG, 0.0)  # qwen first, decided before
        results = [await s.run(c, TASK, stale) for c in chunks[:4]]
        assert s.health()["qwen"].state == "open"
        fresh = s.decide(chunk_info(chunks[4]), LONG, 0.0)
        assert fresh.candidates[0] == "gemini" and "qwen circuit open" in fresh.reason
        await asyncio.sleep(31)
        assert s.health()["qwen"].state == "half-open"
        probe = s.decide(chunk_info(chunks[4]), LONG, 0.0)
        results.append(await s.run(chunks[4], TASK, probe))
        return results

    results = run_virtual(scenario(), loop)
    assert [r.attempts[0].outcome for r in results] == ["failed"] * 3 + ["skipped", "ok"]
    assert results[3].attempts[0].error == "circuit_open"
    assert results[4].result is not None and results[4].result.provider == "qwen"
    health = s.health()["qwen"]
    assert health.state == "closed" and health.failures == 3 and health.requests == 4


def test_a_failed_probe_reopens_the_circuit() -> None:
    loop = VirtualTimeLoop()
    q = qwen()
    q.fail_next(2)
    s = scheduler(q, gemini(), local(), loop=loop, limits={"qwen": ProviderLimits(2, None)})
    s.states["qwen"].breaker.failures = 1

    async def scenario() -> None:
        chunk = video_chunk(0)
        d = s.decide(chunk_info(chunk), LONG, 0.0)
        await s.run(chunk, TASK, d)
        await asyncio.sleep(31)
        assert s.health()["qwen"].state == "half-open"
        await s.run(chunk, TASK, d)
        assert s.health()["qwen"].state == "open"

    run_virtual(scenario(), loop)


def test_hedge_wins_when_the_primary_is_slower_than_its_p95() -> None:
    loop = VirtualTimeLoop()
    g, q = gemini(latency_s=0.1), qwen(latency_s=0.2)
    s = scheduler(q, g, local(), loop=loop)
    policy = JobPolicy(policy="latency")

    async def scenario() -> tuple[Outcome, float]:
        for i in range(10):  # warm up gemini's p95 (no hedge before 5 samples)
            chunk = video_chunk(i)
            await s.run(chunk, TASK, s.decide(chunk_info(chunk), policy, 0.0))
        g.enqueue(Step(5.0))
        chunk = video_chunk(10)
        decision = s.decide(chunk_info(chunk), policy, 0.0)
        started = loop.time()
        outcome = await s.run(chunk, TASK, decision)
        return outcome, loop.time() - started

    outcome, elapsed = run_virtual(scenario(), loop)
    assert len(q.calls) == 1  # qwen only as the hedge
    assert outcome.result is not None and outcome.result.provider == "qwen"
    assert elapsed < 0.35
    first, hedge = outcome.attempts
    assert (first.provider, first.outcome, first.error) == ("gemini", "cancelled", "hedge_lost")
    assert (hedge.provider, hedge.outcome, hedge.hedge) == ("qwen", "ok", True)
    assert "hedge qwen ok" in outcome.reason
    assert s.health()["gemini"].p95_ms == 100


def test_health_reports_latency_errors_and_spend() -> None:
    loop = VirtualTimeLoop()
    q = qwen(latency_s=2.0)
    q.fail_next(1)
    s = scheduler(q, gemini(), local(), loop=loop)
    outcomes = run_virtual(job(s, [video_chunk(i) for i in range(6)], LONG, lanes=1), loop)
    h = s.health()["qwen"]
    assert h.requests == 6 and h.failures == 1 and 0 < h.error_rate < 0.1
    assert h.ewma_latency_ms == 2000 and h.p95_ms == 2000 and h.in_flight == 0
    spend = sum(
        o.result.cost_usd for o in outcomes.values() if o.result and o.result.provider == "qwen"
    )
    assert h.spend_usd == round(spend, 8) > 0
    assert h.models["qwen3-vl-plus"].requests == 6
