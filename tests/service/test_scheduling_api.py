"""The scheduler through the API: estimates before spending, residency refusals, budgets,
and live provider health — against the loopback fakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.pdfgen import long_document_pages, make_text_pdf
from longform.config import Settings
from providers.base import Provider
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf

pytestmark = pytest.mark.anyio


async def _estimate(client: Any, data: bytes, options: dict[str, Any]) -> Any:
    return await client.post(
        "/v1/estimates",
        files={"file": ("doc.pdf", data, "application/pdf")},
        data={"options": json.dumps(options)},
    )


async def test_estimate_matches_what_the_job_then_costs(
    tmp_path: Path, cloud: tuple[Settings, dict[str, Provider]]
) -> None:
    settings, providers = cloud
    pdf = make_text_pdf(tmp_path / "long.pdf", long_document_pages(24, seed=3)).read_bytes()
    async with api_client(settings, providers) as (client, services):
        planned = await _estimate(client, pdf, {"providers": ["qwen"]})
        assert planned.status_code == 200, planned.text
        plan = planned.json()
        assert plan["totals"]["chunks"] == len(plan["chunks"]) >= 6
        assert {c["provider"] for c in plan["chunks"]} == {"qwen"}
        assert plan["totals"]["cost_low_usd"] <= plan["totals"]["cost_usd"]
        assert plan["totals"]["cost_usd"] <= plan["totals"]["cost_high_usd"]
        # Estimating keeps nothing: no job, no stored upload.
        assert (await client.get("/v1/jobs")).json()["jobs"] == []
        assert not services.blobs.source_path(plan["source"]["sha256"]).exists()

        created = await upload(client, pdf, options=json.dumps({"providers": ["qwen"]}))
        job = await wait_for(client, created.json()["id"], timeout=120)
    assert job["status"] == "succeeded", job
    estimated, actual = plan["totals"]["cost_usd"], job["cost_usd"]
    assert actual > 0 and abs(estimated - actual) / actual <= 0.20, (estimated, actual)


async def test_residency_is_refused_at_submission(
    tmp_path: Path, cloud: tuple[Settings, dict[str, Provider]]
) -> None:
    settings, providers = cloud
    pdf = make_sample_pdf(tmp_path / "c.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        options = json.dumps({"providers": ["gemini"], "regions": ["eu"]})
        refused = await upload(client, pdf, options=options)
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["code"] == "unservable"
        assert "eu" in refused.json()["error"]["message"]
        # Allowing the on-premises engines makes the same job servable, and it stays local.
        options = json.dumps({"providers": ["gemini", "local"], "regions": ["eu"]})
        job = await wait_for(client, (await upload(client, pdf, options=options)).json()["id"])
        report = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
    assert {c["provider"] for c in report["processing"]["chunks"]} == {"local"}


async def test_budget_cap_downgrades_later_chunks_and_says_so(
    tmp_path: Path, cloud: tuple[Settings, dict[str, Provider]]
) -> None:
    settings, providers = cloud
    pdf = make_text_pdf(tmp_path / "long.pdf", long_document_pages(24, seed=4)).read_bytes()
    serial = settings.model_copy(update={"chunk_concurrency": 1})  # spend accrues in order
    async with api_client(serial, providers) as (client, _services):
        free = await _estimate(client, pdf, {"providers": ["gemini"]})
        per_chunk = free.json()["totals"]["cost_usd"] / free.json()["totals"]["chunks"]
        options = {"providers": ["gemini"], "budget_usd": per_chunk * 2.5}
        job = await wait_for(
            client, (await upload(client, pdf, options=json.dumps(options))).json()["id"]
        )
        report = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
        health = (await client.get("/v1/providers")).json()["providers"]
    chunks = report["processing"]["chunks"]
    paid = [c for c in chunks if c["provider"] == "gemini"]
    downgraded = [c for c in chunks if "budget" in c["reason"]]
    assert 1 <= len(paid) <= 3 and downgraded
    assert all(c["provider"] == "local" for c in downgraded)
    assert job["cost_usd"] <= options["budget_usd"] * 1.2
    gemini = next(p for p in health if p["name"] == "gemini")
    assert gemini["health"]["requests"] >= len(paid)


async def test_provider_limits_come_from_settings(
    settings: Settings, providers: dict[str, Provider]
) -> None:
    from longform.services import build_services
    from tests.conftest import changed

    limited = changed(
        settings, provider_limits={"local": {"concurrency": 1, "breaker_failures": 5}}
    )
    services = build_services(limited, providers)
    try:
        assert services.scheduler.states["local"].limits.concurrency == 1
        assert services.scheduler.states["local"].limits.breaker_failures == 5
    finally:
        await services.aclose()
    with pytest.raises(ValueError, match="unknown keys"):
        build_services(changed(settings, provider_limits={"local": {"rpm": 1}}), providers)
