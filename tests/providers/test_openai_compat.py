"""OpenAICompatProvider against the same loopback server (the portable OpenAI core)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from providers.base import AnalysisTask
from providers.errors import ConfigError, ProviderRejected
from providers.openai_compat import OpenAICompatProvider
from tests.fakes.dashscope import FakeDashScope
from tests.providers.qwen_support import (
    audio_chunk,
    client,
    document_chunk,
    fake,
    keyframe_chunk,
    offline_env,
    video_chunk,
)

__all__ = ["client", "fake", "offline_env"]  # fixtures used by name

pytestmark = pytest.mark.anyio
TASK = AnalysisTask(source_filename="minutes.pdf")


def compat(fake: FakeDashScope, client: httpx.AsyncClient, **kw: object) -> OpenAICompatProvider:
    return OpenAICompatProvider(
        fake.base_url,
        fake.api_key,
        "llama3.1:8b",
        http_client=client,
        **kw,  # type: ignore[arg-type]
    )


async def test_document_chunk(fake: FakeDashScope, client: httpx.AsyncClient) -> None:
    result = await compat(fake, client).analyze(document_chunk(), TASK)
    body = fake.requests[-1].body
    assert body["model"] == "llama3.1:8b" and "enable_thinking" not in body
    assert result.provider == "openai-compat" and result.model == "llama3.1:8b"
    assert result.summary and result.entities and result.notes == []
    assert result.cost_usd == 0.0  # no price row for a self-hosted model


async def test_images_always_as_image_url_parts(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    result = await compat(fake, client).analyze(keyframe_chunk(tmp_path), TASK)
    kinds = [p["type"] for p in fake.requests[-1].body["messages"][1]["content"]]
    assert kinds.count("image_url") == 4 and "video" not in kinds
    assert result.scenes


async def test_audio_only_when_configured(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    with pytest.raises(ProviderRejected) as caught:
        await compat(fake, client).analyze(audio_chunk(tmp_path), TASK)
    assert caught.value.reason == "unsupported_input" and fake.requests == []

    fake.raw_audio = True

    result = await compat(fake, client, audio=True, stream=True).analyze(
        audio_chunk(tmp_path), TASK
    )
    audio = next(
        p for p in fake.requests[-1].body["messages"][1]["content"] if p["type"] == "input_audio"
    )
    assert not audio["input_audio"]["data"].startswith("data:")  # OpenAI: raw base64
    assert result.transcript and result.usage.output_tokens > 0


async def test_video_chunk_without_audio_support_sends_keyframes_only(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    await compat(fake, client).analyze(video_chunk(tmp_path), TASK)
    kinds = {p["type"] for p in fake.requests[-1].body["messages"][1]["content"]}
    assert kinds == {"text", "image_url"}


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="LONGFORM_OPENAI_COMPAT_BASE_URL"):
        OpenAICompatProvider()
    monkeypatch.setenv("LONGFORM_OPENAI_COMPAT_BASE_URL", "http://127.0.0.1:11434/v1/")
    monkeypatch.setenv("LONGFORM_OPENAI_COMPAT_API_KEY", "k")
    monkeypatch.setenv("LONGFORM_OPENAI_COMPAT_MODEL", "m")
    provider = OpenAICompatProvider(video=True)
    assert provider.base_url == "http://127.0.0.1:11434/v1"
    assert provider.capabilities.modalities == {"text", "image", "video"}
