"""`Scheduler.estimate`: the dry-run plan, against what the fakes then report."""

from __future__ import annotations

from providers.scheduler import JobPolicy, Scheduler, chunk_info
from providers.scheduler_vclock import VirtualTimeLoop, run_virtual
from tests.scheduler.fakes import gemini, local, page_chunk, qwen, video_chunk
from tests.scheduler.test_run import job


def test_dry_run_estimate_is_within_20_percent_of_the_actual_cost() -> None:
    loop = VirtualTimeLoop()
    q, g = qwen(), gemini()
    q.output_tokens = g.output_tokens = 2_500  # what a chunk's findings take, give or take
    s = Scheduler({"qwen": q, "gemini": g, "local": local()}, clock=loop.time)
    chunks = [video_chunk(i, tokens=28_000 + 500 * (i % 5)) for i in range(30)]
    policy = JobPolicy(policy="cost")
    plan = s.estimate([chunk_info(c, detect=None) for c in chunks], policy)
    assert [c.provider for c in plan.chunks] == ["qwen"] * 30
    assert plan.chunks[0].model == "qwen3-vl-plus" and plan.chunks[0].reason.startswith(
        "policy=cost"
    )
    outcomes = run_virtual(job(s, chunks, policy), loop)
    actual = sum(o.result.cost_usd for o in outcomes.values() if o.result)
    assert abs(plan.cost_usd - actual) <= 0.2 * actual
    assert plan.cost_low_usd <= actual <= plan.cost_high_usd
    assert plan.by_provider == {"qwen": plan.cost_usd}
    assert plan.input_tokens == sum(c.token_estimate for c in chunks)


def test_estimate_shows_budget_downgrades_and_local_is_free() -> None:
    s = Scheduler({"qwen": qwen(), "gemini": gemini(), "local": local()})
    chunks = [chunk_info(page_chunk(i), detect=None) for i in range(40)]
    plan = s.estimate(chunks, JobPolicy(policy="latency", budget_usd=0.05, pages=1200))
    assert plan.downgraded and plan.downgraded[0] > 0
    assert plan.chunks[0].provider == "gemini" and plan.chunks[-1].provider == "local"
    assert plan.chunks[-1].cost_usd == 0.0
    assert plan.cost_usd <= 0.05
    assert "downgraded: budget" in plan.chunks[plan.downgraded[0]].reason
