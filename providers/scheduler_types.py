"""The scheduler's value types: what it is asked (job, chunk), what it answers, what it saw.

Plain data, no behaviour beyond building a `ChunkInfo` from a `Chunk`: the rules live in
`scheduler_rules`, the health bookkeeping in `scheduler_health`, the run loop in
`scheduler_run`, and `scheduler.Scheduler` ties them together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from analysis.schema import ChunkResult
from ingest.types import Chunk
from providers.local import langid
from providers.routing import chunk_modalities

__all__ = [
    "Attempt",
    "ChunkEstimate",
    "ChunkInfo",
    "Decision",
    "Estimate",
    "JobPolicy",
    "ModelHealth",
    "Outcome",
    "Policy",
    "ProviderHealth",
    "ProviderLimits",
    "chunk_info",
]

Policy = Literal["accuracy", "latency", "cost", "balanced"]
LONG_MEDIA_S = 30 * 60  # accuracy: media longer than this is long-form
LONG_DOC_PAGES = 100  # accuracy: documents with more pages than this are long-form


class JobPolicy(BaseModel):
    """A job's routing constraints: `JobOptions` fields plus the source size from the probe."""

    model_config = ConfigDict(frozen=True)

    policy: Policy = "balanced"
    languages: tuple[str, ...] = ()  # hints, ISO 639-1; the chunk's own language wins
    regions: tuple[str, ...] = ()  # allowed residency zones/regions; empty = anywhere
    budget_usd: float | None = Field(default=None, ge=0)
    providers: tuple[str, ...] = ()  # restricts the cloud set; empty = all configured
    duration_s: float | None = None  # media source length
    pages: int | None = None  # document source length

    def source_label(self) -> str:
        if self.duration_s is not None:
            return f"source {self.duration_s / 60:.0f} min"
        if self.pages is not None:
            return f"source {self.pages} pages"
        return "source size unknown"

    @property
    def long_form(self) -> bool:
        media = self.duration_s is not None and self.duration_s > LONG_MEDIA_S
        return media or (self.pages is not None and self.pages > LONG_DOC_PAGES)


@dataclass(frozen=True)
class ChunkInfo:
    """What routing needs to know of one chunk (no payload bytes)."""

    index: int
    modalities: frozenset[str]
    tokens: int  # input token estimate from the planner
    language: str | None = None
    seconds: float | None = None
    pages: int | None = None


def chunk_info(
    chunk: Chunk, *, detect: Callable[[str], str | None] | None = langid.detect
) -> ChunkInfo:
    """Routing facts of `chunk`; its language from ingest, else detected on a text sample.

    Pass `detect=None` to skip detection (lingua takes ~1.7 s to load on first use).
    """
    language = chunk.language
    if language is None and detect is not None:
        sample = chunk.text()[:1000]
        language = detect(sample) if sample else None
    span = chunk.span
    seconds = None if span.is_pages else (span.end_s or 0.0) - (span.start_s or 0.0)
    pages = (span.page_end or 0) - (span.page_start or 0) + 1 if span.is_pages else None
    return ChunkInfo(
        index=chunk.index,
        modalities=frozenset(chunk_modalities(chunk)),
        tokens=chunk.token_estimate,
        language=language.lower() if language else None,
        seconds=seconds,
        pages=pages,
    )


@dataclass(frozen=True)
class ProviderLimits:
    """Per-provider limits; None = unlimited. Rates are per minute (the vendors' unit)."""

    concurrency: int = 4
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None
    token_burst: float | None = None  # bucket size for tokens; default tokens_per_minute / 10
    breaker_failures: int = 3  # consecutive failures that open the circuit
    breaker_cooldown_s: float = 30.0  # open → half-open after this long


@dataclass(frozen=True)
class Decision:
    """Ordered candidates (provider names, `local` last) and why, for one chunk."""

    chunk_index: int
    candidates: tuple[str, ...]
    reason: str
    policy: Policy
    estimated_cost_usd: float  # of the first candidate
    downgraded: bool = False  # the budget moved this chunk off its first choice


Outcome_ = Literal["ok", "failed", "rejected", "crashed", "skipped", "cancelled"]


@dataclass
class Attempt:
    """One try of one provider on one chunk (skips and hedge losers included)."""

    provider: str
    model: str
    started_s: float  # scheduler clock
    outcome: Outcome_
    latency_ms: int = 0  # the provider call only
    wait_ms: int = 0  # concurrency and rate-limit waits before the call
    error: str | None = None  # ProviderError.reason, "circuit_open", exception type, ...
    message: str | None = None
    cost_usd: float = 0.0
    hedge: bool = False  # started as a hedge of a slow first request


@dataclass
class Outcome:
    """A chunk's result (None: every candidate failed, record a gap) and the full trail."""

    result: ChunkResult | None
    attempts: list[Attempt]
    reason: str


@dataclass(frozen=True)
class ChunkEstimate:
    index: int
    provider: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cost_low_usd: float
    cost_high_usd: float
    reason: str
    downgraded: bool = False


@dataclass(frozen=True)
class Estimate:
    chunks: list[ChunkEstimate]
    input_tokens: int
    output_tokens: int
    cost_usd: float
    cost_low_usd: float
    cost_high_usd: float
    by_provider: dict[str, float] = field(default_factory=dict)  # USD per provider
    downgraded: list[int] = field(default_factory=list)  # chunk indices moved by the budget


@dataclass(frozen=True)
class ModelHealth:
    ewma_latency_ms: float | None
    error_rate: float
    requests: int


@dataclass(frozen=True)
class ProviderHealth:
    state: Literal["closed", "open", "half-open"]
    ewma_latency_ms: float | None
    error_rate: float  # EWMA of failures (0..1); rejections of content are not counted
    p95_ms: float | None
    requests: int
    failures: int
    spend_usd: float
    in_flight: int
    models: dict[str, ModelHealth] = field(default_factory=dict)
