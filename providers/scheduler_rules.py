"""The routing rules: which providers may take a chunk, in which order, and why.

Filters, each noted in the reason when it excludes a provider:
  1. requested: `options.providers` restricts the cloud set;
  2. residency: a provider whose zones miss every allowed region is out (offline providers
     run on the operator's machines: on-premises, allowed everywhere);
  3. capability: every modality of the chunk, and its seconds/pages/tokens, must fit.

Order of the remaining cloud providers, lexicographic:
  1. an open circuit goes last (half-open may probe);
  2. the policy: accuracy + long-form source → "long-form" strength first; latency →
     "fast-first-token" first; cost → cheapest estimate first; balanced → no key here;
  3. language: providers preferred for the chunk's language (else the job's hint) first;
  4. a score: for latency the expected seconds to an answer (EWMA latency plus the queue
     ahead at the provider's service rate); otherwise the balanced score — weighted,
     normalised estimated cost, expected seconds and EWMA error rate.

Budget (hard cap): a cloud provider whose high estimate would take the job's spend past
`budget_usd` is dropped; if that moves the chunk off its first choice it is "downgraded:
budget". Offline providers (`local`) end every list as the fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from providers.base import Provider
from providers.routing import Traits, traits
from providers.scheduler_cost import CostEstimate, estimate_cost
from providers.scheduler_health import ProviderState
from providers.scheduler_types import LONG_DOC_PAGES, LONG_MEDIA_S, ChunkInfo, Decision, JobPolicy

__all__ = ["Router"]

PRIOR_LATENCY_S: Final = 10.0  # before any observation
W_COST, W_TIME, W_ERRORS = 0.35, 0.45, 0.60  # errors: absolute 0..1, not normalised


@dataclass(frozen=True)
class _Scored:
    name: str
    cost: CostEstimate
    seconds: float  # expected seconds to an answer, queue included
    error_rate: float
    open: bool


class Router:
    def __init__(
        self,
        providers: Mapping[str, Provider],
        states: Mapping[str, ProviderState],
        clock: Callable[[], float],
    ) -> None:
        self.providers = providers
        self.states = states
        self.clock = clock
        self.traits: dict[str, Traits] = {n: traits(p) for n, p in providers.items()}
        self.fallbacks = sorted(n for n, p in providers.items() if p.capabilities.offline)

    def decide(self, chunk: ChunkInfo, job: JobPolicy, spent_usd: float) -> Decision:
        notes = [f"policy={job.policy}"]
        names = self._eligible(chunk, job, notes)
        now = self.clock()
        scored = [self._score(name, chunk, now) for name in names]
        ordered = self._order(scored, chunk, job, notes)
        first = ordered[0] if ordered else None
        kept = self._within_budget(ordered, job, spent_usd, notes)
        downgraded = first is not None and (not kept or kept[0] is not first)
        chosen = [s.name for s in kept] + self.fallbacks
        shown = [s.name for s in kept] + [f"{n} (offline fallback)" for n in self.fallbacks]
        notes.append("order: " + (" → ".join(shown) or "none"))
        return Decision(
            chunk_index=chunk.index,
            candidates=tuple(chosen),
            reason="; ".join(notes),
            policy=job.policy,
            estimated_cost_usd=kept[0].cost.cost_usd if kept else 0.0,
            downgraded=downgraded,
        )

    # ------------------------------------------------------------------ filters
    def _eligible(self, chunk: ChunkInfo, job: JobPolicy, notes: list[str]) -> list[str]:
        names: list[str] = []
        for name in job.providers:
            if name not in self.providers:
                notes.append(f"{name} requested but not configured")
        for name, provider in self.providers.items():
            if name in self.fallbacks:
                continue
            why = self._excluded(name, provider, chunk, job)
            if why:
                notes.append(f"{name} excluded: {why}")
            else:
                names.append(name)
        if job.regions and self.fallbacks:
            notes.append(f"{self.fallbacks[0]} allowed in any region (on-premises)")
        return names

    def _excluded(self, name: str, provider: Provider, chunk: ChunkInfo, job: JobPolicy) -> str:
        caps = provider.capabilities
        if job.providers and name not in job.providers:
            return "not in options.providers"
        allowed = {r.lower() for r in job.regions}
        zones = self.traits[name].zones
        if allowed and not allowed & zones:
            return f"regions {sorted(allowed)} (serves {', '.join(sorted(caps.regions))})"
        missing = chunk.modalities - caps.modalities
        if missing:
            return f"takes no {', '.join(sorted(missing))}"
        if chunk.seconds is not None and chunk.seconds > caps.max_chunk_seconds:
            return f"chunk {chunk.seconds:.0f} s > its {caps.max_chunk_seconds:.0f} s"
        if chunk.pages is not None and chunk.pages > caps.max_pages_per_chunk:
            return f"chunk {chunk.pages} pages > its {caps.max_pages_per_chunk}"
        if chunk.tokens > caps.context_tokens:
            return f"chunk ~{chunk.tokens} tokens > its context {caps.context_tokens}"
        return ""

    # ------------------------------------------------------------------ order
    def _score(self, name: str, chunk: ChunkInfo, now: float) -> _Scored:
        state = self.states[name]
        latency_s = (state.stats.ewma_ms or PRIOR_LATENCY_S * 1000) / 1000
        backlog = state.waiting + state.in_flight
        seconds = latency_s + backlog / state.service_rate(latency_s, chunk.tokens)
        cost = estimate_cost(self.providers[name], chunk)
        is_open = state.breaker.state(now) == "open"
        return _Scored(name, cost, seconds, state.stats.error_rate, is_open)

    def _order(
        self, scored: list[_Scored], chunk: ChunkInfo, job: JobPolicy, notes: list[str]
    ) -> list[_Scored]:
        if not scored:
            return []
        max_cost = max(s.cost.cost_usd for s in scored) or 1.0
        max_s = max(s.seconds for s in scored) or 1.0
        language = chunk.language or self._hinted_language(job)
        strength = _strength(job, notes)

        def key(s: _Scored) -> tuple[int, float, int, float]:
            t = self.traits[s.name]
            if job.policy == "cost":
                primary = s.cost.cost_usd
            else:
                primary = 0.0 if strength is None or strength in t.strengths else 1.0
            lang = 0 if language and language in t.languages else 1
            if job.policy == "latency":
                return (int(s.open), primary, lang, s.seconds)
            balanced = (
                W_COST * s.cost.cost_usd / max_cost
                + W_TIME * s.seconds / max_s
                + W_ERRORS * s.error_rate
            )
            return (int(s.open), primary, lang, balanced)

        ordered = sorted(scored, key=key)
        _explain(ordered, job, language, self.traits, notes)
        return ordered

    def _hinted_language(self, job: JobPolicy) -> str | None:
        """The first of the job's language hints some provider is preferred for."""
        preferred = {lang for t in self.traits.values() for lang in t.languages}
        return next((lang.lower() for lang in job.languages if lang.lower() in preferred), None)

    def _within_budget(
        self, ordered: list[_Scored], job: JobPolicy, spent: float, notes: list[str]
    ) -> list[_Scored]:
        if job.budget_usd is None:
            return ordered
        kept = [s for s in ordered if spent + s.cost.high_usd <= job.budget_usd]
        if ordered and (not kept or kept[0] is not ordered[0]):
            top = ordered[0]
            to = kept[0].name if kept else "local"
            notes.append(
                f"downgraded: budget ({top.name} up to ${top.cost.high_usd:.4f} + spent "
                f"${spent:.4f} > ${job.budget_usd:.2f}) → {to}"
            )
        return kept


def _strength(job: JobPolicy, notes: list[str]) -> str | None:
    if job.policy == "latency":
        notes.append("fastest first token first")
        return "fast-first-token"
    if job.policy != "accuracy":
        return None
    if job.long_form:
        limit = (
            f"> {LONG_MEDIA_S // 60} min" if job.duration_s is not None else f"> {LONG_DOC_PAGES}"
        )
        notes.append(f"{job.source_label()} {limit} → long-form first")
        return "long-form"
    notes.append(f"{job.source_label()}, not long-form → balanced order")
    return None


def _explain(
    ordered: list[_Scored],
    job: JobPolicy,
    language: str | None,
    all_traits: Mapping[str, Traits],
    notes: list[str],
) -> None:
    first = ordered[0]
    if language and language in all_traits[first.name].languages:
        notes.append(f"language {language} → {first.name}")
    if job.policy == "cost":
        unpriced = " (no price row: tier rate)"
        prices = ", ".join(
            f"{s.name} ${s.cost.cost_usd:.4f}{'' if s.cost.priced else unpriced}" for s in ordered
        )
        notes.append(f"cheapest first ({prices})")
    elif job.policy == "balanced":
        notes.append(
            "score of cost, latency+queue, errors: "
            + ", ".join(f"{s.name} ~{s.seconds:.1f}s ${s.cost.cost_usd:.4f}" for s in ordered)
        )
    opened = [s.name for s in ordered if s.open]
    healthy = [s.name for s in ordered if not s.open]
    if opened:
        notes.append(f"{', '.join(opened)} circuit open → {healthy[0] if healthy else 'local'}")
