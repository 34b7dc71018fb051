"""Every fault the fake Gemini injects is survived (retried) or ends as a chunk error
with its reason."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from providers.base import AnalysisTask
from providers.errors import ProviderRejected, ProviderUnavailable
from tests.fakes.gemini import FakeGemini, FaultKind
from tests.providers.gemini_support import document_chunk, loopback_only, make_provider, video_chunk

pytestmark = pytest.mark.anyio
TASK = AnalysisTask(source_filename="harbor.pdf")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    with loopback_only(monkeypatch) as seen:
        yield seen
    assert all(host == "127.0.0.1" for host in seen)


@pytest.fixture
def fake(connections: list[str]) -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server
    assert server.errors == []


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(retries=0)) as http:
        yield http


@pytest.mark.parametrize("kind", ["rate_limit", "server_error", "unavailable", "deadline", "hang"])
async def test_transient_faults_are_retried(
    fake: FakeGemini, client: httpx.AsyncClient, kind: FaultKind
) -> None:
    fake.enqueue_fault(kind, hang_s=3.0)
    provider = make_provider(fake, client, timeout_s=0.3)
    result = await provider.analyze(document_chunk(), TASK)
    await provider.aclose()
    assert result.summary_sentences
    assert len(fake.generate_requests()) == 2


@pytest.mark.parametrize(
    ("kind", "error", "reason"),
    [
        ("rate_limit", ProviderUnavailable, "rate_limited"),
        ("server_error", ProviderUnavailable, "server_error"),
        ("unavailable", ProviderUnavailable, "server_error"),
        ("deadline", ProviderUnavailable, "timeout"),
        ("hang", ProviderUnavailable, "timeout"),
        ("invalid_argument", ProviderRejected, "bad_request"),
        ("permission_denied", ProviderRejected, "auth"),
        ("safety", ProviderRejected, "safety_block"),
        ("recitation", ProviderRejected, "safety_block"),
        ("prompt_blocked", ProviderRejected, "safety_block"),
        ("max_tokens", ProviderRejected, "length"),
    ],
)
async def test_faults_map_to_reasons(
    fake: FakeGemini,
    client: httpx.AsyncClient,
    kind: FaultKind,
    error: type[Exception],
    reason: str,
) -> None:
    for _ in range(2):
        fake.enqueue_fault(kind, hang_s=3.0)
    provider = make_provider(fake, client, timeout_s=0.3, attempts=2)
    with pytest.raises(error) as raised:
        await provider.analyze(document_chunk(index=7), TASK)
    await provider.aclose()
    assert isinstance(raised.value, ProviderRejected | ProviderUnavailable)
    assert raised.value.reason == reason and raised.value.chunk_index == 7
    retried = isinstance(raised.value, ProviderUnavailable)
    assert len(fake.generate_requests()) == (2 if retried else 1)  # rejections are not retried


async def test_retry_info_delay_is_honoured(
    fake: FakeGemini, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    provider = make_provider(fake, client, attempts=1)
    fake.enqueue_fault("rate_limit", retry_delay="12.5s")
    with pytest.raises(ProviderUnavailable) as raised:
        await provider.analyze(document_chunk(), TASK)
    assert raised.value.retry_after == 12.5

    monkeypatch.delenv("LONGFORM_RETRY_FAST")
    provider = make_provider(fake, client, attempts=2)
    fake.enqueue_fault("rate_limit", retry_delay="0.3s")
    started = time.monotonic()
    await provider.analyze(document_chunk(), TASK)
    assert time.monotonic() - started >= 0.3


async def test_malformed_json_gets_one_repair(fake: FakeGemini, client: httpx.AsyncClient) -> None:
    fake.enqueue_fault("malformed_json")
    provider = make_provider(fake, client)
    result = await provider.analyze(document_chunk(), TASK)
    await provider.aclose()
    _, repair = fake.generate_requests()
    turns = repair.json()["contents"]
    assert [t["role"] for t in turns] == ["user", "model", "user"]
    assert turns[1]["parts"][0]["text"].endswith("oops, not JSON")
    assert "not JSON" in turns[2]["parts"][0]["text"]
    assert result.summary_sentences
    plain = await make_provider(fake, client).analyze(document_chunk(), TASK)
    assert result.usage.input_tokens > plain.usage.input_tokens  # both calls are billed
    assert result.cost_usd > plain.cost_usd


async def test_malformed_twice_is_malformed_output(
    fake: FakeGemini, client: httpx.AsyncClient
) -> None:
    fake.enqueue_fault("malformed_json")
    fake.enqueue_fault("malformed_json")
    provider = make_provider(fake, client)
    with pytest.raises(ProviderRejected) as raised:
        await provider.analyze(document_chunk(), TASK)
    assert raised.value.reason == "malformed_output"
    assert len(fake.generate_requests()) == 2


async def test_wrong_key_is_auth(fake: FakeGemini, client: httpx.AsyncClient) -> None:
    provider = make_provider(fake, client, api_key="wrong")
    with pytest.raises(ProviderRejected) as raised:
        await provider.analyze(document_chunk(), TASK)
    assert raised.value.reason == "auth" and "wrong" not in str(raised.value)


async def test_inline_payload_over_the_limit_is_refused(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    provider = make_provider(fake, client, inline_limit_bytes=10**9)  # the client misjudges
    with pytest.raises(ProviderRejected) as raised:
        await provider.analyze(video_chunk(tmp_path, video_bytes=fake.inline_limit + 1), TASK)
    assert raised.value.reason == "bad_request" and "exceeds the limit" in raised.value.message


async def test_failed_file_processing_is_rejected_and_deleted(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    fake.enqueue_fault("file_failed")
    provider = make_provider(fake, client)
    with pytest.raises(ProviderRejected) as raised:
        await provider.analyze(video_chunk(tmp_path, video_bytes=20_000), TASK)
    assert raised.value.reason == "file_failed"
    assert fake.uploaded and fake.deleted == fake.uploaded and fake.generate_requests() == []
    await provider.aclose()


@pytest.mark.parametrize("target", ["upload", "file"])
async def test_file_api_faults_are_retried(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path, target: str
) -> None:
    fake.enqueue_fault("unavailable", target="upload" if target == "upload" else "file")
    provider = make_provider(fake, client)
    result = await provider.analyze(video_chunk(tmp_path, video_bytes=20_000), TASK)
    await provider.aclose()
    assert result.transcript and len(fake.uploaded) == 1 and fake.deleted == fake.uploaded


async def test_non_loopback_url_is_refused_before_any_connection(
    connections: list[str], client: httpx.AsyncClient
) -> None:
    with FakeGemini() as fake:
        provider = make_provider(fake, client, base_url="https://generativelanguage.googleapis.com")
        with pytest.raises(ProviderRejected) as raised:
            await provider.analyze(document_chunk(), TASK)
    assert raised.value.reason == "network_guard" and connections == []


async def test_upload_deleted_even_when_the_chunk_fails(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    fake.enqueue_fault("safety")
    provider = make_provider(fake, client, reuse_uploads=False)
    with pytest.raises(ProviderRejected):
        await provider.analyze(video_chunk(tmp_path, video_bytes=20_000), TASK)
    assert fake.uploaded and fake.deleted == fake.uploaded
    await provider.aclose()
