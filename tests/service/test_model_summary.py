"""The report's summary written by the job's provider (map-reduce through the loopback fakes),
its cost counted; extractive for local jobs; and the thread-to-loop bridge's fallbacks."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from analysis.coverage import build_processing
from analysis.schema import ChunkProcessing, Coverage, Report, Source, Usage
from ingest.types import Span
from longform.config import Settings
from longform.store.models import ChunkRow, ChunkStatus, Job
from longform.summaries import ModelSummarizer, model_summarizer, pick_provider, with_model_summary
from providers.base import Capabilities, Provider, SummaryResult
from providers.errors import ProviderUnavailable
from providers.llm import SUMMARY_PROMPT_VERSION
from tests.conftest import changed
from tests.fakes import dashscope
from tests.fakes.gemini import FakeGemini
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf

pytestmark = pytest.mark.anyio


async def _run(
    settings: Settings, providers: dict[str, Provider], pdf: bytes, names: list[str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    async with api_client(settings, providers) as (client, _services):
        options = json.dumps({"providers": names})
        created = await upload(client, pdf, "contract.pdf", options=options)
        assert created.status_code == 202, created.text
        job = await wait_for(client, created.json()["id"], timeout=300)
        report: dict[str, Any] = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
    return job, report


def _plain_requests(qwen: dashscope.FakeDashScope, gemini: FakeGemini) -> int:
    openai = [r for r in qwen.requests if isinstance(r.body, dict) and "tools" not in r.body]
    google = [r for r in gemini.generate_requests() if "responseJsonSchema" not in r.body.decode()]
    return len(openai) + len(google)


@pytest.mark.parametrize("provider", ["qwen", "gemini"])
async def test_a_cloud_job_gets_a_model_summary_citing_sections(
    tmp_path: Path,
    cloud: tuple[Settings, dict[str, Provider]],
    qwen_fake: dashscope.FakeDashScope,
    gemini_fake: FakeGemini,
    provider: str,
) -> None:
    settings, providers = cloud
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    job, report = await _run(settings, providers, pdf, [provider])
    assert job["status"] == "succeeded", job
    processing = report["processing"]
    assert len(processing["chunks"]) >= 2  # a map-reduce over several chunks
    assert report["summary_method"] == "model"
    sentences = report["summary_sentences"]
    assert sentences and report["summary"]
    sections = report["sections"]
    for sentence in sentences:
        assert sentence["sections"], sentence  # every sentence cites the sections it draws on
        assert all(0 <= k < len(sections) for k in sentence["sections"])
    assert all(section["summary"] for section in sections)

    summary = processing["summary"]
    assert summary["provider"] == provider and summary["error"] is None
    assert summary["prompt_version"] == SUMMARY_PROMPT_VERSION
    assert summary["requests"] == len(sections) + 1  # each section, then the whole
    assert summary["requests"] == _plain_requests(qwen_fake, gemini_fake)
    assert summary["input_tokens"] > 0 and summary["cost_usd"] > 0
    totals = processing["totals"]
    chunk_cost = sum(c["cost_usd"] for c in processing["chunks"])
    assert totals["cost_usd"] == pytest.approx(chunk_cost + summary["cost_usd"], abs=1e-6)
    assert totals["input_tokens"] == (
        sum(c["input_tokens"] for c in processing["chunks"]) + summary["input_tokens"]
    )
    bucket = totals["by_provider"][provider]
    assert bucket["summary_cost_usd"] == pytest.approx(summary["cost_usd"])
    assert bucket["summary_requests"] == summary["requests"]
    assert job["cost_usd"] == pytest.approx(totals["cost_usd"], abs=1e-6)  # the API agrees


async def test_a_local_job_keeps_the_extractive_summary(
    tmp_path: Path,
    cloud: tuple[Settings, dict[str, Provider]],
    qwen_fake: dashscope.FakeDashScope,
    gemini_fake: FakeGemini,
) -> None:
    settings, providers = cloud
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    job, report = await _run(settings, providers, pdf, ["local"])
    assert job["status"] == "succeeded", job
    assert report["summary_method"] == "extractive"
    assert "summary" not in report["processing"]  # no model was asked
    assert all(s["sections"] for s in report["summary_sentences"])
    assert qwen_fake.requests == [] and gemini_fake.requests == []


async def test_a_job_that_fell_back_to_local_stays_extractive(
    tmp_path: Path,
    cloud: tuple[Settings, dict[str, Provider]],
    qwen_fake: dashscope.FakeDashScope,
    gemini_fake: FakeGemini,
) -> None:
    settings, providers = cloud
    for _ in range(40):
        qwen_fake.enqueue_fault("server_error")  # every chunk's qwen attempts fail
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    single = changed(settings, chunk_max_pages=10)
    job, report = await _run(single, providers, pdf, ["qwen"])
    assert job["status"] == "succeeded", job
    assert {c["provider"] for c in report["processing"]["chunks"]} == {"local"}
    assert report["summary_method"] == "extractive"
    assert _plain_requests(qwen_fake, gemini_fake) == 0


async def test_the_estimate_prices_the_summary_too(
    tmp_path: Path, cloud: tuple[Settings, dict[str, Provider]]
) -> None:
    settings, providers = cloud
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    plans = {}
    async with api_client(settings, providers) as (client, _services):
        for name in ("qwen", "local"):
            planned = await client.post(
                "/v1/estimates",
                files={"file": ("doc.pdf", pdf, "application/pdf")},
                data={"options": json.dumps({"providers": [name]})},
            )
            assert planned.status_code == 200, planned.text
            plans[name] = planned.json()
    summary, totals = plans["qwen"]["summary"], plans["qwen"]["totals"]
    assert summary["provider"] == "qwen" and summary["requests"] >= 2 and summary["cost_usd"] > 0
    chunk_cost = sum(c["cost_usd"] for c in plans["qwen"]["chunks"])
    assert totals["cost_usd"] == pytest.approx(chunk_cost + summary["cost_usd"])
    assert totals["by_provider"]["qwen"] == pytest.approx(totals["cost_usd"])
    assert plans["local"]["summary"] is None


# ---------------------------------------------------------------------------- the bridge


class _Stub:
    name = "stub"
    model = "stub-1"
    capabilities = Capabilities(frozenset({"text"}), 8_000, 10, 60.0, cost_tier=1)

    def __init__(self, *outcomes: str | Exception, delay_s: float = 0.0) -> None:
        self.outcomes = list(outcomes)
        self.delay_s = delay_s
        self.calls: list[tuple[list[str], int]] = []

    async def summarize(self, texts: list[str], *, limit_words: int) -> SummaryResult:
        self.calls.append((texts, limit_words))
        await asyncio.sleep(self.delay_s)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        usage = Usage(input_tokens=10, output_tokens=5)
        return SummaryResult(outcome, usage, 0.001, self.model, SUMMARY_PROMPT_VERSION, 7)


async def test_the_bridge_runs_the_provider_on_the_loop_from_a_thread() -> None:
    stub = _Stub("One. Two.", "Three.")
    bridge = ModelSummarizer(stub, asyncio.get_running_loop())
    first = await asyncio.to_thread(bridge, ["a", "b"], limit_words=80)
    second = await asyncio.to_thread(bridge, ["c"], limit_words=200)
    assert (first, second) == ("One. Two.", "Three.")
    assert stub.calls == [(["a", "b"], 80), (["c"], 200)]
    summary = bridge.processing()
    assert summary is not None and summary.requests == 2 and summary.input_tokens == 20
    assert summary.cost_usd == pytest.approx(0.002) and summary.latency_ms == 14


async def test_a_provider_error_falls_back_once_and_is_recorded() -> None:
    failure = ProviderUnavailable("down", provider="stub", reason="server_error")
    stub = _Stub(failure, "never asked")
    bridge = ModelSummarizer(stub, asyncio.get_running_loop())
    assert await asyncio.to_thread(bridge, ["a"], limit_words=80) == ""
    assert await asyncio.to_thread(bridge, ["b"], limit_words=80) == ""
    assert len(stub.calls) == 1  # a provider that just failed is not asked again
    summary = bridge.processing()
    assert summary is not None and summary.requests == 0
    assert summary.error is not None and "server_error" in summary.error


async def test_a_slow_provider_times_out_to_extractive() -> None:
    stub = _Stub("late", delay_s=5.0)
    bridge = ModelSummarizer(stub, asyncio.get_running_loop(), timeout_s=0.1)
    assert await asyncio.to_thread(bridge, ["a"], limit_words=80) == ""
    assert bridge.error is not None and "no answer" in bridge.error


async def test_the_bridge_refuses_to_block_its_own_loop() -> None:
    stub = _Stub("x")
    bridge = ModelSummarizer(stub, asyncio.get_running_loop())
    assert bridge(["a"], limit_words=80) == ""  # on the loop's thread: no deadlock
    assert stub.calls == []


def test_pick_provider_prefers_the_jobs_order_and_needs_analysed_chunks() -> None:
    local = type("LocalLike", (), {"name": "local"})()
    providers: dict[str, Any] = {"local": local, "qwen": _Stub(), "gemini": _Stub()}
    assert pick_provider(providers, ["qwen", "gemini"], ["gemini", "qwen"]) == "qwen"
    assert pick_provider(providers, ["qwen", "gemini"], ["gemini", "local"]) == "gemini"
    assert pick_provider(providers, ["qwen"], ["local", "local"]) is None
    assert pick_provider(providers, [], ["local", "gemini", "gemini", "qwen"]) == "gemini"
    assert pick_provider(providers, ["local"], ["local"]) is None  # local cannot summarise


async def test_a_budget_without_room_keeps_the_summary_extractive_and_says_why() -> None:
    stub = _Stub("never asked")
    job = Job(options={"providers": ["stub"], "budget_usd": 0.01})
    rows = [
        ChunkRow(idx=i, status=ChunkStatus.DONE, provider="stub", cost_usd=0.006) for i in (0, 1)
    ]
    providers: dict[str, Any] = {"stub": stub}
    bridge = model_summarizer(providers, job, rows, asyncio.get_running_loop())
    assert bridge is not None and bridge.error is not None and "budget" in bridge.error
    assert await asyncio.to_thread(bridge, ["a"], limit_words=80) == ""
    assert stub.calls == [] and bridge.processing() is None
    report = with_model_summary(_report(), bridge)
    assert "summary" not in report.processing.model_dump()
    assert report.notes == [f"summary: extractive where stub did not write it ({bridge.error})"]
    roomy = Job(options={"providers": ["stub"], "budget_usd": 1.0})
    allowed = model_summarizer(providers, roomy, rows, asyncio.get_running_loop())
    assert allowed is not None and allowed.error is None


async def test_without_a_loop_or_a_summarising_provider_there_is_no_bridge() -> None:
    rows = [ChunkRow(idx=0, status=ChunkStatus.DONE, provider="stub", cost_usd=0.0)]
    job = Job(options={"providers": ["stub"]})
    providers: dict[str, Any] = {"stub": _Stub()}
    assert model_summarizer(providers, job, rows, None) is None
    assert model_summarizer({}, job, rows, asyncio.get_running_loop()) is None


async def test_the_summary_cost_is_added_to_the_totals() -> None:
    stub = _Stub("One.")
    bridge = ModelSummarizer(stub, asyncio.get_running_loop())
    await asyncio.to_thread(bridge, ["a"], limit_words=80)
    report = with_model_summary(_report(), bridge)
    totals = report.processing.totals
    assert totals.cost_usd == pytest.approx(0.011) and totals.input_tokens == 110
    assert totals.by_provider["stub"]["summary_cost_usd"] == pytest.approx(0.001)
    assert totals.by_provider["stub"]["chunks"] == 1 and report.notes == []
    assert report.processing.summary is not None and report.processing.summary.requests == 1


def _report() -> Report:
    row = ChunkProcessing(
        index=0,
        span=Span.pages(1, 2),
        provider="stub",
        model="stub-1",
        reason="",
        attempts=1,
        status="done",
        input_tokens=100,
        cost_usd=0.01,
    )
    return Report(
        source=Source(
            filename="a.pdf", sha256="0" * 64, media_type="application/pdf", size_bytes=1
        ),
        summary="",
        coverage=Coverage(),
        processing=build_processing([row]),
    )
