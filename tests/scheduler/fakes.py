"""Test doubles of the external providers: scripted latency, failures and usage.

They implement the `Provider` protocol in-test (STYLE practice 6). Latency is an
`asyncio.sleep`, so under `run_virtual` it costs no real time. Cost is computed from the
real price table (`providers.pricing.cost_usd`) like the real clients do.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from analysis.schema import ChunkResult, Usage
from ingest.types import Chunk, ChunkPart, Span
from providers.base import AnalysisTask, Capabilities
from providers.errors import ProviderUnavailable
from providers.pricing import cost_usd

ALL = frozenset({"text", "image", "audio", "video"})


def caps(
    region: str,
    *,
    modalities: frozenset[str] = ALL,
    offline: bool = False,
    tier: int = 1,
    seconds: float = 1800.0,
    pages: int = 200,
) -> Capabilities:
    return Capabilities(
        modalities=modalities,
        context_tokens=1_000_000,
        max_pages_per_chunk=pages,
        max_chunk_seconds=seconds,
        regions=frozenset({region}),
        offline=offline,
        cost_tier=tier,
    )


@dataclass
class Step:
    """One scripted answer: wait `latency_s`, then raise `error` or answer."""

    latency_s: float = 0.1
    error: Exception | None = None


@dataclass
class FakeProvider:
    name: str
    model: str
    capabilities: Capabilities
    region: str = "global"
    latency_s: float = 0.1  # when the script is empty
    output_tokens: int = 800
    script: deque[Step] = field(default_factory=deque)
    calls: list[tuple[int, float]] = field(default_factory=list)  # (chunk index, loop time)
    outage: tuple[float, float] | None = None  # loop-time window answering 503s

    def enqueue(self, *steps: Step) -> None:
        self.script.extend(steps)

    def fail_next(self, count: int, reason: str = "server_error", latency_s: float = 0.05) -> None:
        for _ in range(count):
            error = ProviderUnavailable("injected", provider=self.name, reason=reason)
            self.enqueue(Step(latency_s, error))

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        self.calls.append((chunk.index, asyncio.get_running_loop().time()))
        now = asyncio.get_running_loop().time()
        step = self.script.popleft() if self.script else Step(self.latency_s)
        if self.outage and self.outage[0] <= now < self.outage[1]:
            error = ProviderUnavailable("503 (outage)", provider=self.name, reason="server_error")
            step = Step(0.05, error)
        await asyncio.sleep(step.latency_s)
        if step.error is not None:
            raise step.error
        return answer(self.name, self.model, self.region, chunk, self.output_tokens)

    async def aclose(self) -> None:
        return None


@dataclass
class FunctionProvider:
    """A provider controlled by an async function of (chunk, task)."""

    name: str
    model: str
    capabilities: Capabilities
    fn: Callable[[Chunk, AnalysisTask], Awaitable[ChunkResult]]

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        return await self.fn(chunk, task)

    async def aclose(self) -> None:
        return None


def answer(provider: str, model: str, region: str, chunk: Chunk, output: int) -> ChunkResult:
    usage = Usage(input_tokens=chunk.token_estimate, output_tokens=output)
    return ChunkResult(
        chunk_index=chunk.index,
        span=chunk.span,
        provider=provider,
        model=model,
        summary=f"chunk {chunk.index} by {provider}",
        usage=usage,
        cost_usd=cost_usd(provider, model, region, usage),
    )


def qwen(latency_s: float = 0.1) -> FakeProvider:
    c = caps("intl", tier=2)
    return FakeProvider("qwen", "qwen3-vl-plus", c, region="intl", latency_s=latency_s)


def gemini(latency_s: float = 0.1) -> FakeProvider:
    return FakeProvider("gemini", "gemini-2.5-flash", caps("global"), latency_s=latency_s)


def local(latency_s: float = 5.0) -> FakeProvider:
    c = caps("local", offline=True, tier=0)
    return FakeProvider("local", "local-engines", c, region="local", latency_s=latency_s)


def video_chunk(index: int, seconds: float = 120.0, tokens: int = 30_000) -> Chunk:
    span = Span.seconds(index * seconds, (index + 1) * seconds)
    part = ChunkPart(kind="video", mime="video/mp4", span=span, blob_key=f"v/{index}.mp4")
    return Chunk(index=index, span=span, parts=[part], token_estimate=tokens)


def page_chunk(index: int, pages: int = 30, text: str = "Lorem ipsum.") -> Chunk:
    span = Span.pages(index * pages + 1, (index + 1) * pages)
    part = ChunkPart(kind="text", span=span, text=text)
    return Chunk(index=index, span=span, parts=[part], token_estimate=pages * 500)
