"""PDF, audio and video end to end through Qwen and Gemini — loopback fakes that speak
their wire formats, selected per job with options.providers — plus failover to local."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from fixtures.mediagen import make_cut_video, make_speech_wav
from longform.config import Settings
from providers.base import Provider
from tests.conftest import changed
from tests.fakes import dashscope
from tests.fakes.gemini import FakeGemini
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf

pytestmark = pytest.mark.anyio


async def _run(client: Any, data: bytes, name: str, providers: list[str]) -> dict[str, Any]:
    options = json.dumps({"providers": providers})
    created = await upload(client, data, name, options=options)
    assert created.status_code == 202, created.text
    job = await wait_for(client, created.json()["id"], timeout=300)
    report: dict[str, Any] = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
    return {"job": job, "report": report}


@pytest.mark.parametrize("provider", ["qwen", "gemini"])
async def test_pdf_through_a_cloud_provider(
    tmp_path: Path, cloud: tuple[Settings, dict[str, Provider]], provider: str
) -> None:
    settings, providers = cloud
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        outcome = await _run(client, pdf, "contract.pdf", [provider])
    job, report = outcome["job"], outcome["report"]
    assert job["status"] == "succeeded", job
    assert job["cost_usd"] > 0
    for chunk in report["processing"]["chunks"]:
        assert chunk["provider"] == provider and chunk["status"] == "done"
        assert chunk["model"] and chunk["input_tokens"] > 0 and chunk["output_tokens"] > 0
        assert chunk["cost_usd"] > 0 and chunk["prompt_version"] == "findings-v1"
        assert chunk["reason"].endswith(f"answered by {provider}")
        assert [a["provider"] for a in chunk["attempt_log"]] == [provider]
    assert report["processing"]["totals"]["cost_usd"] == pytest.approx(job["cost_usd"], rel=1e-3)
    # Every finding the model returned cites a page of this document and quotes it.
    mentions = [m for e in report["entities"] for m in e["mentions"]]
    assert mentions and all(1 <= m["span"]["page_start"] <= 6 for m in mentions)


async def test_cached_tokens_are_reported(
    tmp_path: Path, cloud: tuple[Settings, dict[str, Provider]]
) -> None:
    settings, providers = cloud
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(settings, providers) as (client, _services):
        outcome = await _run(client, pdf, "contract.pdf", ["gemini"])
    totals = outcome["report"]["processing"]["totals"]
    assert totals["cached_tokens"] > 0  # the stable prompt prefix hit the cache


@pytest.mark.parametrize("provider", ["qwen", "gemini"])
async def test_audio_and_video_through_a_cloud_provider(
    tmp_path: Path, cloud: tuple[Settings, dict[str, Provider]], provider: str
) -> None:
    settings, providers = cloud
    speech = make_speech_wav(tmp_path / "s.wav", "The hearing began in Chicago on May third.")
    video = make_cut_video(tmp_path / "v.mp4", shots=2, seconds_per_shot=5.0, with_audio=speech)
    async with api_client(settings, providers) as (client, _services):
        for data, name in ((speech.read_bytes(), "s.wav"), (video.read_bytes(), "v.mp4")):
            outcome = await _run(client, data, name, [provider])
            job, report = outcome["job"], outcome["report"]
            assert job["status"] == "succeeded", (name, job)
            chunks = report["processing"]["chunks"]
            assert chunks and all(c["provider"] == provider for c in chunks), chunks
            assert all(c["input_tokens"] > 0 for c in chunks)
            times = [s["span"] for s in report["transcript"] + report["scenes"]]
            assert all(0 <= span["start_s"] <= job["duration_s"] + 0.5 for span in times)


async def test_a_failing_provider_falls_back_to_local_and_says_why(
    tmp_path: Path,
    cloud: tuple[Settings, dict[str, Provider]],
    qwen_fake: dashscope.FakeDashScope,
    gemini_fake: FakeGemini,
) -> None:
    settings, providers = cloud
    for _ in range(20):
        qwen_fake.enqueue_fault("server_error")  # more 500s than the retry budget
    gemini_fake.enqueue_fault("safety")
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    single = changed(settings, chunk_max_pages=10)  # one chunk: a deterministic fault order
    async with api_client(single, providers) as (client, _services):
        outcome = await _run(client, pdf, "contract.pdf", ["qwen", "gemini"])
    job, report = outcome["job"], outcome["report"]
    assert job["status"] == "succeeded", job
    (chunk,) = report["processing"]["chunks"]
    (routing,) = job["chunks"]  # the same decision is visible while polling the job
    assert routing["provider"] == "local" and routing["reason"] == chunk["reason"]
    assert [a["provider"] for a in routing["attempt_log"]] == ["qwen", "gemini", "local"]
    assert chunk["provider"] == "local"
    assert "qwen failed (server_error), gemini rejected (safety_block), local ok" in chunk["reason"]
    assert chunk["reason"].endswith("answered by local")
    trail = [(a["provider"], a["outcome"], a["error"]) for a in chunk["attempt_log"]]
    assert trail == [
        ("qwen", "failed", "server_error"),
        ("gemini", "rejected", "safety_block"),
        ("local", "ok", None),
    ]
    assert report["coverage"]["gaps"] == []
