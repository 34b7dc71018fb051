"""Routing rules of `Scheduler.decide` and `refusal`: pure decisions on an injected clock."""

from __future__ import annotations

from dataclasses import replace

from providers.base import Provider
from providers.scheduler import ChunkInfo, JobPolicy, ProviderLimits, Scheduler, chunk_info
from tests.scheduler.fakes import FakeProvider, caps, gemini, local, page_chunk, qwen

VIDEO = ChunkInfo(index=3, modalities=frozenset({"video"}), tokens=30_000, seconds=120.0)
TEXT = ChunkInfo(index=0, modalities=frozenset({"text"}), tokens=15_000, pages=30)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make(*providers: Provider, clock: Clock | None = None) -> Scheduler:
    return Scheduler({p.name: p for p in providers}, clock=clock or Clock())


def three() -> Scheduler:
    return make(qwen(), gemini(), local())


def test_accuracy_long_media_goes_to_qwen_and_says_why() -> None:
    d = three().decide(VIDEO, JobPolicy(policy="accuracy", duration_s=74 * 60), 0.0)
    assert d.candidates == ("qwen", "gemini", "local")
    assert "policy=accuracy" in d.reason
    assert "source 74 min > 30 min → long-form first" in d.reason
    assert d.reason.endswith("order: qwen → gemini → local (offline fallback)")


def test_accuracy_long_document_goes_to_qwen_even_when_gemini_is_faster() -> None:
    s = three()
    s.states["qwen"].stats.ok(40_000)
    s.states["gemini"].stats.ok(2_000)
    d = s.decide(TEXT, JobPolicy(policy="accuracy", pages=3000), 0.0)
    assert d.candidates[0] == "qwen"
    assert "source 3000 pages > 100" in d.reason


def test_accuracy_short_source_uses_the_balanced_order() -> None:
    s = three()
    s.states["qwen"].stats.ok(40_000)
    s.states["gemini"].stats.ok(2_000)
    d = s.decide(VIDEO, JobPolicy(policy="accuracy", duration_s=12 * 60), 0.0)
    assert d.candidates[0] == "gemini"
    assert "source 12 min, not long-form → balanced order" in d.reason


def test_latency_puts_gemini_first_although_qwen_is_cheaper() -> None:
    d = three().decide(VIDEO, JobPolicy(policy="latency"), 0.0)
    assert d.candidates == ("gemini", "qwen", "local")
    assert "fastest first token first" in d.reason


def test_cost_picks_the_cheapest_and_an_unpriced_model_is_not_free() -> None:
    unpriced = FakeProvider("openai-compat", "my-model", caps("self-hosted", tier=1))
    d = make(qwen(), gemini(), unpriced, local()).decide(VIDEO, JobPolicy(policy="cost"), 0.0)
    assert d.candidates[0] == "qwen"  # qwen3-vl-plus $0.20/$1.60 vs flash $0.30/$2.50
    assert d.candidates[-1] == "local"
    assert "cheapest first (qwen $" in d.reason
    assert "openai-compat $0.0180 (no price row: tier rate)" in d.reason
    assert d.estimated_cost_usd > 0


def test_balanced_weighs_latency_errors_and_queue() -> None:
    s = three()
    assert s.decide(VIDEO, JobPolicy(), 0.0).candidates[0] == "qwen"  # cheaper, no data yet
    s.states["qwen"].stats.ok(60_000)
    s.states["gemini"].stats.ok(3_000)
    assert s.decide(VIDEO, JobPolicy(), 0.0).candidates[0] == "gemini"
    s.states["gemini"].in_flight = 100  # 75 s of queue at 4 slots x 3 s
    d = s.decide(VIDEO, JobPolicy(), 0.0)
    assert d.candidates[0] == "qwen"
    assert "score of cost, latency+queue, errors" in d.reason


def test_balanced_avoids_a_provider_with_a_high_error_rate() -> None:
    s = three()
    s.states["gemini"].stats.ok(3_000)
    s.states["qwen"].stats.ok(3_000)
    for _ in range(8):
        s.states["qwen"].stats.failed()
    assert s.decide(VIDEO, JobPolicy(), 0.0).candidates[0] == "gemini"


def test_language_routes_asian_languages_to_qwen_and_finnish_to_gemini() -> None:
    s = three()
    s.states["qwen"].stats.ok(20_000)
    s.states["gemini"].stats.ok(2_000)
    thai = replace(TEXT, language="th")
    d = s.decide(thai, JobPolicy(), 0.0)
    assert d.candidates[0] == "qwen"
    assert "language th → qwen" in d.reason
    s.states["qwen"].stats.ok(1_000)  # now qwen looks better on the score
    d = s.decide(replace(TEXT, language="fi"), JobPolicy(), 0.0)
    assert d.candidates[0] == "gemini"
    assert "language fi → gemini" in d.reason


def test_language_hint_of_the_job_applies_when_the_chunk_has_none() -> None:
    s = three()
    s.states["qwen"].stats.ok(20_000)
    s.states["gemini"].stats.ok(2_000)
    d = s.decide(TEXT, JobPolicy(languages=("en", "ja")), 0.0)
    assert d.candidates[0] == "qwen"
    assert "language ja → qwen" in d.reason


def test_residency_excludes_providers_outside_the_regions_local_is_on_premises() -> None:
    d = three().decide(VIDEO, JobPolicy(regions=("eu",)), 0.0)
    assert d.candidates == ("local",)
    assert "qwen excluded: regions ['eu'] (serves intl)" in d.reason
    assert "gemini excluded: regions ['eu'] (serves global)" in d.reason
    assert "local allowed in any region (on-premises)" in d.reason


def test_residency_keeps_a_frankfurt_endpoint_for_eu() -> None:
    frankfurt = FakeProvider("qwen", "qwen3-vl-plus", caps("frankfurt", tier=2))
    d = make(frankfurt, gemini(), local()).decide(VIDEO, JobPolicy(regions=("EU",)), 0.0)
    assert d.candidates == ("qwen", "local")


def test_requested_providers_restrict_the_cloud_set() -> None:
    d = three().decide(VIDEO, JobPolicy(providers=("gemini", "mistral")), 0.0)
    assert d.candidates == ("gemini", "local")
    assert "qwen excluded: not in options.providers" in d.reason
    assert "mistral requested but not configured" in d.reason


def test_capability_filter_on_modalities_and_size() -> None:
    text_only = FakeProvider(
        "openai-compat", "m", caps("self-hosted", modalities=frozenset({"text", "image"}))
    )
    short = FakeProvider("gemini", "gemini-2.5-flash", caps("global", seconds=60.0))
    d = make(qwen(), short, text_only, local()).decide(VIDEO, JobPolicy(), 0.0)
    assert d.candidates == ("qwen", "local")
    assert "openai-compat excluded: takes no video" in d.reason
    assert "gemini excluded: chunk 120 s > its 60 s" in d.reason


def test_budget_downgrades_to_cheaper_then_local() -> None:
    s = three()
    job = JobPolicy(policy="latency", budget_usd=1.0)
    full = s.decide(VIDEO, job, 0.0)
    assert full.candidates[0] == "gemini" and not full.downgraded
    gemini_high = 30_000 * 1.15 * 0.30e-6 + 3600 * 2 * 2.50e-6
    d = s.decide(VIDEO, job, 1.0 - gemini_high + 0.001)  # gemini no longer fits, qwen does
    assert d.candidates == ("qwen", "local") and d.downgraded
    assert "downgraded: budget (gemini up to $" in d.reason
    d = s.decide(VIDEO, job, 0.999)
    assert d.candidates == ("local",) and d.downgraded
    assert "→ local" in d.reason


def test_open_circuit_moves_a_provider_last_and_half_open_lets_it_back() -> None:
    clock = Clock()
    s = Scheduler(
        {"qwen": qwen(), "gemini": gemini(), "local": local()},
        limits={"qwen": ProviderLimits(breaker_failures=2, breaker_cooldown_s=30)},
        clock=clock,
    )
    job = JobPolicy(policy="accuracy", duration_s=74 * 60)
    s.states["qwen"].breaker.failure(clock.now)
    s.states["qwen"].breaker.failure(clock.now)
    d = s.decide(VIDEO, job, 0.0)
    assert d.candidates == ("gemini", "qwen", "local")
    assert "qwen circuit open → gemini" in d.reason
    clock.now += 31
    assert s.health()["qwen"].state == "half-open"
    assert s.decide(VIDEO, job, 0.0).candidates[0] == "qwen"


def test_refusal_only_when_the_named_providers_cannot_serve() -> None:
    s = three()
    eu = ("eu",)
    assert s.refusal(JobPolicy(regions=eu)) is None  # local serves, on-premises
    assert s.refusal(JobPolicy(regions=eu, providers=("gemini", "local"))) is None
    assert s.refusal(JobPolicy(providers=("gemini",))) is None
    why = s.refusal(JobPolicy(regions=eu, providers=("gemini", "mistral")))
    assert why is not None
    assert "gemini serves global, outside regions ['eu']" in why
    assert "mistral is not configured" in why
    assert 'add "local" to options.providers' in why
    frankfurt = FakeProvider("qwen", "qwen3-vl-plus", caps("frankfurt", tier=2))
    assert make(frankfurt, local()).refusal(JobPolicy(regions=eu, providers=("qwen",))) is None


def test_chunk_info_reads_span_modalities_and_detects_language() -> None:
    info = chunk_info(page_chunk(2, text="x"), detect=lambda text: "fi")
    assert (info.index, info.pages, info.seconds, info.language) == (2, 30, None, "fi")
    assert info.modalities == frozenset({"text"}) and info.tokens == 15_000
    thai = "การประชุมคณะกรรมการบริษัทจัดขึ้นที่กรุงเทพมหานครเมื่อวันที่สามพฤษภาคม"
    assert chunk_info(page_chunk(0, text=thai)).language == "th"
    assert chunk_info(page_chunk(0, text=thai), detect=None).language is None
