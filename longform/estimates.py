"""The plan before anything is spent: chunks, chosen provider, tokens and cost, with a range.

Shared by `POST /v1/estimates` and `longform analyze --dry-run`. It probes and plans the file
(cheap: no OCR, no decoding) and asks the scheduler what it would do with each chunk. When a
provider would write the summary, its requests are priced too (`summary`) and counted in the
totals.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ingest.backend import IngestLimits, open_backend
from ingest.types import ChunkPlan, MediaType
from longform.options import JobOptions, job_policy
from longform.services import Services
from longform.summaries import pick_provider, summary_estimate
from providers.scheduler import ChunkInfo, Estimate


def estimate_source(
    services: Services, sha256: str, media_type: MediaType, options: JobOptions
) -> dict[str, Any]:
    """Probe + plan the stored source and price every chunk; raises IngestError on bad input."""
    settings = services.settings
    password = options.password.get_secret_value() if options.password else None
    limits = IngestLimits(max_pages=settings.max_pages, ocr_languages=settings.ocr_languages)
    path = services.blobs.source_path(sha256)
    with open_backend(path, media_type, password=password, limits=limits) as backend:
        probe = backend.probe().model_dump(mode="json")
        plans = backend.plan(settings.chunk_budget())
    modalities = _modalities(media_type, probe)
    language = options.languages[0].lower() if options.languages else None
    infos = [_info(plan, modalities, language) for plan in plans]
    policy = job_policy(options, pages=probe.get("pages"), duration_s=probe.get("duration_s"))
    estimate = services.scheduler.estimate(infos, policy)
    summary = _summary(services, options, estimate)
    return {
        "source": {
            "sha256": sha256,
            "media_type": media_type.value,
            "pages": probe.get("pages"),
            "duration_s": probe.get("duration_s"),
        },
        "policy": policy.model_dump(mode="json"),
        "refusal": services.scheduler.refusal(policy),
        "chunks": [
            {**asdict(chunk), "span": plans[i].span.model_dump(exclude_none=True)}
            for i, chunk in enumerate(estimate.chunks)
        ],
        "summary": summary,
        "totals": _totals(len(plans), estimate, summary),
    }


def _summary(services: Services, options: JobOptions, estimate: Estimate) -> dict[str, Any] | None:
    """The written summary's requests, priced, when a provider of the plan would write it."""
    analysed = [c.provider for c in estimate.chunks if c.provider in services.providers]
    name = pick_provider(services.providers, options.providers, analysed)
    if name is None:
        return None
    requests, cost = summary_estimate(services.providers[name], len(analysed))
    return {
        "provider": name,
        "model": cost.model,
        "requests": requests,
        "input_tokens": cost.input_tokens,
        "output_tokens": cost.output_tokens,
        "cost_usd": cost.cost_usd,
        "cost_low_usd": cost.low_usd,
        "cost_high_usd": cost.high_usd,
    }


def _totals(chunks: int, estimate: Estimate, summary: dict[str, Any] | None) -> dict[str, Any]:
    extra = summary or {}
    by_provider = dict(estimate.by_provider)
    if summary is not None:
        name = summary["provider"]
        by_provider[name] = round(by_provider.get(name, 0.0) + summary["cost_usd"], 8)
    return {
        "chunks": chunks,
        "input_tokens": estimate.input_tokens + extra.get("input_tokens", 0),
        "output_tokens": estimate.output_tokens + extra.get("output_tokens", 0),
        "cost_usd": round(estimate.cost_usd + extra.get("cost_usd", 0.0), 8),
        "cost_low_usd": round(estimate.cost_low_usd + extra.get("cost_low_usd", 0.0), 8),
        "cost_high_usd": round(estimate.cost_high_usd + extra.get("cost_high_usd", 0.0), 8),
        "by_provider": by_provider,
        "downgraded": estimate.downgraded,
    }


def _modalities(media_type: MediaType, probe: dict[str, Any]) -> frozenset[str]:
    if media_type.is_document:
        return frozenset({"text"})
    found = set()
    if probe.get("video"):
        found |= {"video", "image"}
    if probe.get("audio"):
        found.add("audio")
    return frozenset(found)


def _info(plan: ChunkPlan, modalities: frozenset[str], language: str | None) -> ChunkInfo:
    span = plan.span
    if span.is_pages:
        pages = (span.page_end or 0) - (span.page_start or 0) + 1
        return ChunkInfo(plan.index, modalities, plan.token_estimate, language, pages=pages)
    seconds = (span.end_s or 0.0) - (span.start_s or 0.0)
    return ChunkInfo(plan.index, modalities, plan.token_estimate, language, seconds=seconds)
