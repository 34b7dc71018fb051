"""The plan before anything is spent: chunks, chosen provider, tokens and cost, with a range.

Shared by `POST /v1/estimates` and `longform analyze --dry-run`. It probes and plans the file
(cheap: no OCR, no decoding) and asks the scheduler what it would do with each chunk.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from ingest.backend import IngestLimits, open_backend
from ingest.types import ChunkPlan, MediaType
from longform.options import JobOptions, job_policy
from longform.services import Services
from providers.scheduler import ChunkInfo


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
        "totals": {
            "chunks": len(plans),
            "input_tokens": estimate.input_tokens,
            "output_tokens": estimate.output_tokens,
            "cost_usd": estimate.cost_usd,
            "cost_low_usd": estimate.cost_low_usd,
            "cost_high_usd": estimate.cost_high_usd,
            "by_provider": estimate.by_provider,
            "downgraded": estimate.downgraded,
        },
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
