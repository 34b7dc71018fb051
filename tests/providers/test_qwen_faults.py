"""Every fault the DashScope fake can inject: survived by retry, or a chunk error with a reason."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from providers.base import AnalysisTask
from providers.errors import ProviderRejected, ProviderUnavailable
from tests.fakes.dashscope import FakeDashScope
from tests.providers.qwen_support import (
    audio_chunk,
    client,
    document_chunk,
    fake,
    offline_env,
    qwen,
)

__all__ = ["client", "fake", "offline_env"]  # fixtures used by name

pytestmark = pytest.mark.anyio
TASK = AnalysisTask(source_filename="minutes.pdf")


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "unavailable"])
async def test_retryable_statuses_are_retried_to_success(
    fake: FakeDashScope, client: httpx.AsyncClient, kind: str
) -> None:
    fake.enqueue_fault(kind)
    fake.enqueue_fault(kind)
    result = await qwen(fake, client).analyze(document_chunk(), TASK)
    assert len(fake.requests) == 3 and result.summary


async def test_rate_limit_with_http_date_retry_after(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    fake.enqueue_fault("rate_limit", retry_after="Wed, 21 Oct 2015 07:28:00 GMT")  # in the past
    result = await qwen(fake, client).analyze(document_chunk(), TASK)
    assert len(fake.requests) == 2 and result.summary


async def test_attempts_are_bounded(fake: FakeDashScope, client: httpx.AsyncClient) -> None:
    for _ in range(5):
        fake.enqueue_fault("rate_limit", retry_after="0")
    with pytest.raises(ProviderUnavailable) as caught:
        await qwen(fake, client, attempts=3).analyze(document_chunk(), TASK)
    assert caught.value.reason == "rate_limited" and caught.value.retry_after == 0.0
    assert caught.value.chunk_index == 0 and caught.value.provider == "qwen"
    assert len(fake.requests) == 3


async def test_billing_429_is_not_retried(fake: FakeDashScope, client: httpx.AsyncClient) -> None:
    fake.enqueue_fault("billing_429")
    with pytest.raises(ProviderRejected) as caught:
        await qwen(fake, client).analyze(document_chunk(), TASK)
    assert caught.value.reason == "quota" and len(fake.requests) == 1


async def test_a_hang_past_the_client_timeout_is_retried(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    fake.enqueue_fault("hang", seconds=2.0)
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        result = await qwen(fake, impatient).analyze(document_chunk(), TASK)
    assert len(fake.requests) == 2 and result.summary


async def test_a_hang_every_time_ends_as_timeout(fake: FakeDashScope) -> None:
    for _ in range(2):
        fake.enqueue_fault("hang", seconds=2.0)
    async with httpx.AsyncClient(timeout=0.2) as impatient:
        with pytest.raises(ProviderUnavailable) as caught:
            await qwen(fake, impatient, attempts=2).analyze(document_chunk(), TASK)
    assert caught.value.reason == "timeout"
    assert isinstance(caught.value.__cause__, httpx.TimeoutException)


@pytest.mark.parametrize("kind", ["malformed_json", "invalid_arguments"])
async def test_one_repair_round_fixes_bad_arguments(
    fake: FakeDashScope, client: httpx.AsyncClient, kind: str
) -> None:
    fake.enqueue_fault(kind)
    result = await qwen(fake, client).analyze(document_chunk(), TASK)
    assert len(fake.requests) == 2 and result.summary
    repair = fake.requests[1].body["messages"]
    assert repair[-2]["role"] == "assistant" and repair[-2]["tool_calls"]
    assert repair[-1]["role"] == "tool" and repair[-1]["content"].startswith("Invalid arguments")
    first_usage = len(fake.requests[0].body["messages"])
    assert first_usage == 2 and result.usage.input_tokens > 0


async def test_bad_arguments_twice_is_malformed_output(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    fake.enqueue_fault("malformed_json")
    fake.enqueue_fault("invalid_arguments")
    with pytest.raises(ProviderRejected) as caught:
        await qwen(fake, client).analyze(document_chunk(), TASK)
    assert caught.value.reason == "malformed_output" and "summary" in caught.value.message


async def test_length_finish_is_a_chunk_error(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    fake.enqueue_fault("length")
    with pytest.raises(ProviderRejected) as caught:
        await qwen(fake, client).analyze(document_chunk(), TASK)
    assert caught.value.reason == "length" and len(fake.requests) == 1


async def test_a_cut_stream_is_retried(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    fake.enqueue_fault("cut_stream")
    result = await qwen(fake, client).analyze(audio_chunk(tmp_path), TASK)
    assert len(fake.requests) == 2 and result.transcript


async def test_a_stream_cut_every_time_is_truncated_stream(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    for _ in range(2):
        fake.enqueue_fault("cut_stream")
    with pytest.raises(ProviderUnavailable) as caught:
        await qwen(fake, client, attempts=2).analyze(audio_chunk(tmp_path), TASK)
    assert caught.value.reason == "truncated_stream"


async def test_an_sse_error_event_is_a_safety_block(
    fake: FakeDashScope, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    fake.enqueue_fault("sse_error")
    with pytest.raises(ProviderRejected) as caught:
        await qwen(fake, client).analyze(audio_chunk(tmp_path), TASK)
    assert caught.value.reason == "safety_block" and "inappropriate" in caught.value.message
    assert len(fake.requests) == 1


async def test_untrustworthy_citations_are_dropped_and_counted(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    fake.enqueue_fault("bad_citations")
    result = await qwen(fake, client).analyze(document_chunk(), TASK)
    assert result.entities == [] and result.quotes == [] and result.events == []
    notes = " | ".join(result.notes)
    assert "findings dropped: cited page outside the chunk" in notes
    assert "findings dropped: quote not found on the cited page" in notes
