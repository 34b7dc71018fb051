"""QwenProvider against the loopback DashScope fake: documents, keyframes, audio, video."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from providers.base import AnalysisTask, Provider
from providers.errors import ConfigError, ProviderRejected
from providers.llm import PROMPT_VERSION
from providers.pricing import cost_usd
from providers.qwen import QwenModels, QwenProvider, region_url
from tests.fakes.dashscope import FakeDashScope
from tests.providers.qwen_support import (
    audio_chunk,
    client,
    document_chunk,
    fake,
    keyframe_chunk,
    offline_env,
    qwen,
    video_chunk,
)

__all__ = ["client", "fake", "offline_env"]  # fixtures used by name

pytestmark = pytest.mark.anyio
TASK = AnalysisTask(source_filename="minutes.pdf", languages=["en"])


async def test_document_chunk_end_to_end(fake: FakeDashScope, client: httpx.AsyncClient) -> None:
    provider = qwen(fake, client)
    assert isinstance(provider, Provider)
    result = await provider.analyze(document_chunk(), TASK)

    sent = fake.requests[-1]
    assert sent.headers["authorization"] == f"Bearer {fake.api_key}"
    body = sent.body
    assert body["model"] == "qwen-flash" and body["stream"] is False
    assert body["tool_choice"] == {"type": "function", "function": {"name": "record_findings"}}
    assert body["enable_thinking"] is False
    texts = [p["text"] for p in body["messages"][1]["content"]]
    assert texts[-2].startswith("[page 3]\n") and texts[-1].startswith("[page 4]\n")

    assert result.provider == "qwen" and result.model == "qwen-flash"
    assert result.prompt_version == PROMPT_VERSION
    assert result.summary and result.entities and result.quotes
    pages = {m.span.page_start for e in result.entities for m in e.mentions}
    assert pages <= {3, 4}
    assert result.notes == []  # the fake cites honestly: nothing dropped
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert result.cost_usd == cost_usd("qwen", "qwen-flash", "intl", result.usage) > 0


async def test_repeated_prefix_reports_cached_tokens(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    provider = qwen(fake, client)
    first = await provider.analyze(document_chunk(0), TASK)
    second = await provider.analyze(document_chunk(1), TASK)
    assert first.usage.cached_tokens == 0
    assert 0 < second.usage.cached_tokens < second.usage.input_tokens
    assert second.cost_usd < first.cost_usd  # cached input is billed at 20%


async def test_keyframes_go_to_the_vl_model_as_a_frame_list(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    result = await qwen(fake, client).analyze(keyframe_chunk(tmp_path), TASK)
    body = fake.requests[-1].body
    assert body["model"] == "qwen3-vl-plus"
    parts = body["messages"][1]["content"]
    video = next(p for p in parts if p["type"] == "video")
    assert len(video["video"]) == 4 and all(
        u.startswith("data:image/jpeg;base64,") for u in video["video"]
    )
    assert video["fps"] == pytest.approx(3 / 7, abs=1e-3)
    assert "t=12.0s, t=14.0s, t=16.5s, t=19.0s" in parts[-2]["text"]
    assert result.scenes and all(10.0 <= s.span.start_s <= 20.0 for s in result.scenes)  # type: ignore[operator]
    assert result.notes == []


async def test_few_keyframes_go_as_images_with_time_markers(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await qwen(fake, client).analyze(keyframe_chunk(tmp_path, (12.0, 18.0)), TASK)
    parts = fake.requests[-1].body["messages"][1]["content"]
    kinds = [p["type"] for p in parts[-4:]]
    assert kinds == ["text", "image_url", "text", "image_url"]
    assert parts[-4]["text"] == "[t=12.0s]"


async def test_audio_streams_to_the_omni_model(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    result = await qwen(fake, client).analyze(audio_chunk(tmp_path), TASK)
    body = fake.requests[-1].body
    assert body["model"] == "qwen3-omni-flash"
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    audio = next(p for p in body["messages"][1]["content"] if p["type"] == "input_audio")
    assert audio["input_audio"]["format"] == "wav"
    assert audio["input_audio"]["data"].startswith("data:;base64,")
    assert result.transcript and result.transcript[0].span.start_s == 30.0
    assert result.usage.input_tokens > 0  # from the stream's last chunk


async def test_video_chunk_asks_vl_and_omni_and_merges(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    result = await qwen(fake, client).analyze(video_chunk(tmp_path), TASK)
    models = [r.body["model"] for r in fake.requests]
    assert models == ["qwen3-vl-plus", "qwen3-omni-flash"]
    assert result.model == "qwen3-vl-plus+qwen3-omni-flash"
    assert result.scenes and result.transcript
    assert all(
        p["type"] != "video_url" for r in fake.requests for p in r.body["messages"][1]["content"]
    )


async def test_models_are_configurable(fake: FakeDashScope, client: httpx.AsyncClient) -> None:
    provider = qwen(fake, client, models=QwenModels(text="qwen3-max"))
    result = await provider.analyze(document_chunk(), TASK)
    assert fake.requests[-1].body["model"] == "qwen3-max" and result.model == "qwen3-max"


async def test_wrong_key_is_an_auth_rejection(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    provider = qwen(fake, client, api_key="sk-wrong")
    with pytest.raises(ProviderRejected) as caught:
        await provider.analyze(document_chunk(), TASK)
    assert caught.value.reason == "auth" and "Incorrect API key" in caught.value.message
    assert len(fake.requests) == 1  # not retried


async def test_the_network_guard_refuses_the_real_service(client: httpx.AsyncClient) -> None:
    provider = QwenProvider("sk-x", region="intl", http_client=client)
    with pytest.raises(ProviderRejected) as caught:
        await provider.analyze(document_chunk(), TASK)
    assert caught.value.reason == "network_guard"


def test_regions_and_key_resolution(monkeypatch: pytest.MonkeyPatch) -> None:
    assert region_url("singapore") == "https://dashscope-intl.aliyuncs.com/compatible-mode/v1"
    assert region_url("us-east-1").startswith("https://dashscope-us.")
    assert region_url("beijing") == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    assert region_url("hongkong").startswith("https://cn-hongkong.dashscope.")
    assert region_url("frankfurt", "ws1") == (
        "https://ws1.eu-central-1.maas.aliyuncs.com/compatible-mode/v1"
    )
    with pytest.raises(ConfigError, match="LONGFORM_QWEN_BASE_URL"):
        region_url("frankfurt")
    with pytest.raises(ConfigError, match="LONGFORM_QWEN_API_KEY"):
        QwenProvider()
    monkeypatch.setenv("LONGFORM_QWEN_API_KEY", "sk-env")
    provider = QwenProvider(region="beijing")
    assert provider.api_key == "sk-env" and provider.capabilities.regions == {"beijing"}
