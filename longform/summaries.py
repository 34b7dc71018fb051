"""The report's written summary: the job's provider behind the aggregator's `Summarizer`.

The report is built in a worker thread (the pipeline awaits it with `asyncio.to_thread`),
while providers are async and live on the main event loop. `ModelSummarizer` bridges the
two: each call schedules the provider's `summarize` on that loop and waits for it with a
timeout. A provider error, a timeout or a bug returns "" (the aggregator then reduces
extractively), is logged, and stops further requests for this report: a provider that just
failed is not asked again for every section.

Which provider: the first of the job's `options.providers` that is configured, can
summarise (`providers.base.Summarizing`) and analysed at least one chunk of this job; with
no preference, the summarising provider that analysed the most chunks. A job analysed
locally (or that fell back to local everywhere) keeps the extractive summary, and so does a
job whose budget would not cover the summary too (`summary_estimate`, also part of the
estimate before a job runs).

Estimate token model (stated, not measured): one request per section, sections being about
one per `CHUNKS_PER_SECTION` chunks, plus one for the whole; each request carries
`REQUEST_TOKENS` of instructions, and each chunk and section summary is read once as
`TEXT_TOKENS`. Output and prices follow `providers.scheduler_cost.estimate_cost`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from analysis.coverage import add_summary
from analysis.schema import Report, SummaryProcessing
from longform.options import JobOptions
from longform.store.models import ChunkRow, ChunkStatus, Job
from providers.base import Provider, Summarizing, SummaryResult
from providers.errors import ProviderError
from providers.scheduler_cost import CostEstimate, estimate_cost
from providers.scheduler_types import ChunkInfo

log = logging.getLogger(__name__)

SUMMARY_TIMEOUT_S: Final = 360.0  # one request, retries included (providers give up at 300 s)
SUMMARY_EVENT: Final = "summary.written"
CHUNKS_PER_SECTION, REQUEST_TOKENS, TEXT_TOKENS = 3, 250, 150


def pick_provider(
    providers: Mapping[str, Provider], preferred: Sequence[str], analysed: Sequence[str]
) -> str | None:
    """The provider to write the summary; `analysed` names each done chunk's provider."""
    counts = Counter(analysed)
    order = list(preferred) or [name for name, _ in counts.most_common()]
    for name in order:
        if counts[name] and isinstance(providers.get(name), Summarizing):
            return name
    return None


def summary_estimate(provider: Provider, chunks: int) -> tuple[int, CostEstimate]:
    """(requests, cost) of writing the summary of `chunks` analysed chunks (see module)."""
    sections = max(1, math.ceil(chunks / CHUNKS_PER_SECTION))
    requests = sections + 1
    tokens = REQUEST_TOKENS * requests + TEXT_TOKENS * (chunks + sections)
    return requests, estimate_cost(provider, ChunkInfo(-1, frozenset({"text"}), tokens))


@dataclass
class ModelSummarizer:
    """A sync `analysis.summary.Summarizer` backed by an async provider on `loop`."""

    provider: Summarizing
    loop: asyncio.AbstractEventLoop
    timeout_s: float = SUMMARY_TIMEOUT_S
    results: list[SummaryResult] = field(default_factory=list)
    error: str | None = None  # set by the first failure (or up front): no more requests
    attempted: bool = False

    def __call__(self, texts: list[str], *, limit_words: int) -> str:
        if self.error is not None or not texts:
            return ""
        self.attempted = True
        try:
            result = self._ask(texts, limit_words)
        except ProviderError as exc:
            return self._failed(f"{exc.reason}: {exc.message}")
        except TimeoutError:
            return self._failed(f"no answer within {self.timeout_s:g} s")
        except Exception as exc:  # a bug must cost the written summary, not the report
            log.exception("summary by %s failed unexpectedly", self.provider.name)
            return self._failed(f"internal error: {type(exc).__name__}: {exc}")
        self.results.append(result)
        return result.text

    def _ask(self, texts: list[str], limit_words: int) -> SummaryResult:
        if _running_loop() is self.loop:
            raise RuntimeError("called on the event loop's own thread; it would deadlock")
        coro = self.provider.summarize(list(texts), limit_words=limit_words)
        try:
            future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # the loop is closed
            coro.close()
            raise
        try:
            return future.result(timeout=self.timeout_s)
        except (TimeoutError, concurrent.futures.CancelledError) as exc:
            future.cancel()
            raise TimeoutError from exc

    def _failed(self, why: str) -> str:
        self.error = why
        log.warning("summary by %s fell back to extractive: %s", self.provider.name, why)
        return ""

    def processing(self) -> SummaryProcessing | None:
        """What the requests cost, or None when none was made."""
        if not self.attempted:
            return None
        done = self.results
        models = list(dict.fromkeys(r.model for r in done))
        return SummaryProcessing(
            provider=self.provider.name,
            model="+".join(models) or str(getattr(self.provider, "model", "")),
            prompt_version=done[0].prompt_version if done else None,
            requests=len(done),
            input_tokens=sum(r.usage.input_tokens for r in done),
            output_tokens=sum(r.usage.output_tokens for r in done),
            cached_tokens=sum(r.usage.cached_tokens for r in done),
            cost_usd=round(sum(r.cost_usd for r in done), 6),
            latency_ms=sum(r.latency_ms for r in done),
            error=self.error,
        )


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def model_summarizer(
    providers: Mapping[str, Provider],
    job: Job,
    rows: Sequence[ChunkRow],
    loop: asyncio.AbstractEventLoop | None,
) -> ModelSummarizer | None:
    """The job's summarizer, or None for an extractive summary."""
    if loop is None:
        return None
    options = JobOptions.model_validate(job.options)
    analysed = [r.provider for r in rows if r.status is ChunkStatus.DONE and r.provider]
    name = pick_provider(providers, options.providers, analysed)
    if name is None:
        return None
    provider = providers[name]
    if not isinstance(provider, Summarizing):  # pick_provider checked; this narrows the type
        return None
    summarizer = ModelSummarizer(provider, loop)
    spent = sum(row.cost_usd for row in rows)
    _, cost = summary_estimate(provider, len(analysed))
    if options.budget_usd is not None and spent + cost.cost_usd > options.budget_usd:
        summarizer.error = (
            f"the job's budget of ${options.budget_usd:g} leaves too little for it after "
            f"${spent:.4f} of analysis"
        )
    return summarizer


def with_model_summary(report: Report, summarizer: ModelSummarizer) -> Report:
    """`report` with the summary's requests counted and, after a fallback, a note saying why."""
    update: dict[str, Any] = {}
    summary = summarizer.processing()
    if summary is not None:
        update["processing"] = add_summary(report.processing, summary)
    if summarizer.error is not None:
        update["notes"] = [
            *report.notes,
            f"summary: extractive where {summarizer.provider.name} did not write it "
            f"({summarizer.error})",
        ]
    return report.model_copy(update=update)


def summary_event(summarizer: ModelSummarizer) -> dict[str, Any] | None:
    """The `summary.written` event's detail (its cost counts in the job's cost), if any."""
    summary = summarizer.processing()
    if summary is None:
        return None
    return summary.model_dump(mode="json")
