"""The one seam every provider implements, the local engines included.

A provider takes a materialized `Chunk` and an `AnalysisTask` and returns a validated
`ChunkResult` with absolute spans. Capabilities are data: the scheduler reads them and
never branches on a provider's name.

`Summarizing` is an optional ability: a provider that can also write one summary from
several texts (the report's map-reduce summary asks the job's provider for it). The local
provider does not implement it: a job analysed locally keeps an extractive summary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, Field

from analysis.schema import ChunkResult, Usage
from ingest.types import Chunk


@dataclass(frozen=True)
class Capabilities:
    modalities: frozenset[str]  # subset of {"text", "image", "audio", "video"}
    context_tokens: int  # what one request may carry; the planner sizes chunks by it
    max_pages_per_chunk: int
    max_chunk_seconds: float
    regions: frozenset[str] = field(default_factory=lambda: frozenset({"local"}))
    json_mode: bool = True
    offline: bool = False
    cost_tier: int = 0  # 0 = free/local; higher = pricier
    # Read by the scheduler (see providers.routing.traits); empty = the routing defaults.
    residency: frozenset[str] = frozenset()  # zones the data stays in, e.g. {"eu"}
    strengths: frozenset[str] = frozenset()  # e.g. {"long-form", "fast-first-token"}
    preferred_languages: frozenset[str] = frozenset()  # ISO 639-1 codes it is routed first for


class AnalysisTask(BaseModel):
    """What the job asks of every chunk; the same for all chunks of a job."""

    languages: list[str] = Field(default_factory=list)  # hints; empty = detect
    source_filename: str = ""
    policy: str = "balanced"


@runtime_checkable
class Provider(Protocol):
    name: str
    model: str
    capabilities: Capabilities

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult: ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class SummaryResult:
    """One summary a provider wrote: its text and what the request cost."""

    text: str
    usage: Usage
    cost_usd: float
    model: str
    prompt_version: str
    latency_ms: int = 0


@runtime_checkable
class Summarizing(Protocol):
    """A provider that writes one summary of at most `limit_words` words from `texts`.

    One plain request (no tools, no schema); a cut answer (`length`), a safety block or an
    empty answer raises a `ProviderError` like `analyze` does, so the caller can fall back.
    """

    name: str

    async def summarize(self, texts: list[str], *, limit_words: int) -> SummaryResult: ...
