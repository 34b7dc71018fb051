"""The optional `summarize` ability against the loopback fakes: one plain request (no tools, no
schema), stable instructions first and the texts last, usage and cost reported, and every
fault mapped into the provider error tree exactly as `analyze` maps it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from providers.base import Summarizing
from providers.errors import ProviderRejected, ProviderUnavailable
from providers.gemini import GeminiProvider
from providers.llm import SUMMARY_INSTRUCTIONS, SUMMARY_PROMPT_VERSION, SUMMARY_SYSTEM
from providers.local import LocalProvider
from providers.openai_compat import OpenAICompatProvider
from tests.fakes.dashscope import FakeDashScope
from tests.fakes.gemini import FakeGemini
from tests.providers.gemini_support import loopback_only, make_provider
from tests.providers.qwen_support import client, fake, offline_env, qwen

__all__ = ["client", "fake", "offline_env"]  # fixtures used by name

pytestmark = pytest.mark.anyio

TEXTS = [
    "The Harbor Board approved 40,000 euros for the new pier on 2021-03-04. Maria Keller "
    "presented the audit.",
    "Jonas Weber objected to the timeline. Northwind Ltd must deliver a revised plan by June.",
]
EXPECTED = (
    "The Harbor Board approved 40,000 euros for the new pier on 2021-03-04. "
    "Jonas Weber objected to the timeline."
)


def test_cloud_providers_summarize_and_local_does_not() -> None:
    for cls in (GeminiProvider, OpenAICompatProvider):
        assert callable(getattr(cls, "summarize", None)), cls
    assert not hasattr(LocalProvider, "summarize")  # a local job stays extractive


async def test_qwen_summary_is_one_plain_request(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    provider = qwen(fake, client)
    assert isinstance(provider, Summarizing)
    result = await provider.summarize(TEXTS, limit_words=40)
    assert result.text == EXPECTED
    assert result.model == "qwen-flash" and result.prompt_version == SUMMARY_PROMPT_VERSION
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert result.cost_usd > 0
    [request] = fake.requests
    body = request.body
    assert "tools" not in body and "tool_choice" not in body
    assert body["model"] == "qwen-flash" and body["enable_thinking"] is False
    assert body["messages"][0] == {"role": "system", "content": SUMMARY_SYSTEM}
    parts = [p["text"] for p in body["messages"][1]["content"]]
    assert parts[0] == SUMMARY_INSTRUCTIONS  # the stable part first …
    assert parts[1] == "Write at most 40 words."
    assert parts[2:] == [f"[{n}] {text}" for n, text in enumerate(TEXTS, 1)]  # … the texts last


async def test_qwen_summary_repeats_hit_the_prefix_cache(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    provider = qwen(fake, client)
    first = await provider.summarize(TEXTS, limit_words=40)
    second = await provider.summarize(TEXTS[::-1], limit_words=80)
    assert first.usage.cached_tokens == 0 and second.usage.cached_tokens > 0


async def test_summary_is_capped_at_the_word_limit(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    result = await qwen(fake, client).summarize(TEXTS, limit_words=5)
    assert len(result.text.split()) <= 5


async def test_qwen_summary_retries_server_errors(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    fake.enqueue_fault("server_error")
    fake.enqueue_fault("rate_limit")
    result = await qwen(fake, client).summarize(TEXTS, limit_words=40)
    assert result.text == EXPECTED and len(fake.requests) == 3


@pytest.mark.parametrize(
    ("kind", "error", "reason"),
    [
        ("length", ProviderRejected, "length"),
        ("content_filter", ProviderRejected, "safety_block"),
        ("billing_429", ProviderRejected, "quota"),
    ],
)
async def test_qwen_summary_faults_are_provider_errors(
    fake: FakeDashScope,
    client: httpx.AsyncClient,
    kind: str,
    error: type[Exception],
    reason: str,
) -> None:
    fake.enqueue_fault(kind)
    with pytest.raises(error) as raised:
        await qwen(fake, client).summarize(TEXTS, limit_words=40)
    assert getattr(raised.value, "reason", None) == reason
    assert getattr(raised.value, "provider", None) == "qwen"
    assert getattr(raised.value, "chunk_index", "unset") is None  # about no one chunk


async def test_qwen_summary_gives_up_when_retries_run_out(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    for _ in range(10):
        fake.enqueue_fault("server_error")
    with pytest.raises(ProviderUnavailable) as raised:
        await qwen(fake, client, attempts=2).summarize(TEXTS, limit_words=40)
    assert raised.value.reason == "server_error" and len(fake.requests) == 2


async def test_openai_compat_summary_over_a_stream(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    provider = OpenAICompatProvider(
        fake.base_url, fake.api_key, "llama3.1:8b", http_client=client, stream=True
    )
    result = await provider.summarize(TEXTS, limit_words=40)
    assert result.text == EXPECTED and result.model == "llama3.1:8b"
    assert result.usage.input_tokens > 0 and result.cost_usd == 0.0  # self-hosted: no price
    [request] = fake.requests
    assert request.body["stream"] is True and "tools" not in request.body


async def test_openai_compat_cut_stream_is_retried_then_fails(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    provider = OpenAICompatProvider(
        fake.base_url, fake.api_key, "m", http_client=client, stream=True, attempts=2
    )
    fake.enqueue_fault("cut_stream")
    fake.enqueue_fault("cut_stream")
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.summarize(TEXTS, limit_words=40)
    assert raised.value.reason == "truncated_stream"


# ---------------------------------------------------------------------------- Gemini


@pytest.fixture
def gemini(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGemini]:
    with loopback_only(monkeypatch), FakeGemini() as server:
        yield server
    assert server.errors == []


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(retries=0)) as shared:
        yield shared


async def test_gemini_summary_is_one_plain_request(
    gemini: FakeGemini, http: httpx.AsyncClient
) -> None:
    provider = make_provider(gemini, http)
    assert isinstance(provider, Summarizing)
    result = await provider.summarize(TEXTS, limit_words=40)
    assert result.text == EXPECTED and result.model == "gemini-2.5-flash"
    assert result.prompt_version == SUMMARY_PROMPT_VERSION
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert result.cost_usd > 0
    [request] = gemini.generate_requests()
    body = request.json()
    assert set(body["generationConfig"]) == {"temperature", "maxOutputTokens"}  # no schema
    system = body["systemInstruction"]["parts"][0]["text"]
    assert system == f"{SUMMARY_SYSTEM}\n\n{SUMMARY_INSTRUCTIONS}"
    texts = [p["text"] for p in body["contents"][0]["parts"]]
    assert texts == ["Write at most 40 words.", *(f"[{n}] {t}" for n, t in enumerate(TEXTS, 1))]


@pytest.mark.parametrize(
    ("kind", "reason"),
    [("safety", "safety_block"), ("prompt_blocked", "safety_block"), ("max_tokens", "length")],
)
async def test_gemini_summary_blocks_and_cuts_are_errors(
    gemini: FakeGemini, http: httpx.AsyncClient, kind: str, reason: str
) -> None:
    gemini.enqueue_fault(kind)  # type: ignore[arg-type]
    with pytest.raises(ProviderRejected) as raised:
        await make_provider(gemini, http).summarize(TEXTS, limit_words=40)
    assert raised.value.reason == reason and raised.value.chunk_index is None


async def test_gemini_summary_retries_a_rate_limit(
    gemini: FakeGemini, http: httpx.AsyncClient
) -> None:
    gemini.enqueue_fault("rate_limit")
    result = await make_provider(gemini, http).summarize(TEXTS, limit_words=40)
    assert result.text == EXPECTED and len(gemini.generate_requests()) == 2
