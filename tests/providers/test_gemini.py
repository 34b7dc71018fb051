"""The real Gemini client against the loopback fake, over real sockets: requests and answers."""

from __future__ import annotations

import asyncio
import base64
import math
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from analysis.schema import Usage
from providers.base import AnalysisTask, Provider
from providers.errors import ConfigError
from providers.gemini import API_KEY_ENV, GeminiProvider
from providers.llm import PROMPT_VERSION, findings_schema
from providers.pricing import cost_usd
from tests.fakes.gemini import FakeGemini
from tests.providers.gemini_support import (
    PAGES,
    document_chunk,
    keyframe_chunk,
    loopback_only,
    make_provider,
    media_file,
    media_part,
    video_chunk,
)

pytestmark = pytest.mark.anyio
TASK = AnalysisTask(source_filename="harbor.pdf")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    with loopback_only(monkeypatch) as seen:
        yield seen
    assert seen and all(host == "127.0.0.1" for host in seen)


@pytest.fixture
def fake(connections: list[str]) -> Iterator[FakeGemini]:
    with FakeGemini() as server:
        yield server
    assert server.errors == []


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.AsyncHTTPTransport(retries=0)) as http:
        yield http


def test_key_from_argument_or_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError) as missing:
        GeminiProvider()
    assert missing.value.setting == API_KEY_ENV and API_KEY_ENV in str(missing.value)
    monkeypatch.setenv(API_KEY_ENV, "from-env")
    provider = GeminiProvider(base_url="http://127.0.0.1:9")
    assert isinstance(provider, Provider) and provider.name == "gemini"
    assert "from-env" not in repr(provider)
    assert {"text", "image", "audio", "video"} <= provider.capabilities.modalities


async def test_document_chunk(fake: FakeGemini, client: httpx.AsyncClient) -> None:
    provider = make_provider(fake, client)
    result = await provider.analyze(document_chunk(), TASK)
    await provider.aclose()

    [request] = fake.generate_requests()
    assert request.path == "/v1beta/models/gemini-2.5-flash:generateContent"
    assert request.headers["x-goog-api-key"] == fake.api_key
    body = request.json()
    assert body["generationConfig"]["responseMimeType"] == "application/json"
    assert body["generationConfig"]["responseJsonSchema"] == findings_schema()
    assert "record" in body["systemInstruction"]["parts"][0]["text"]  # the stable part first
    assert body["contents"][0]["parts"][-1]["text"].startswith("[page 4]")  # the chunk last

    assert result.provider == "gemini" and result.model == "gemini-2.5-flash"
    assert result.prompt_version == PROMPT_VERSION
    assert result.summary and result.summary_sentences and result.quotes
    for sentence in result.summary_sentences:
        page = sentence.span.page_start
        assert page in PAGES and sentence.text in PAGES[page]  # cites what it was sent
    assert not any("dropped" in note for note in result.notes)
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0
    assert result.cost_usd == cost_usd("gemini", "gemini-2.5-flash", "global", result.usage) > 0


async def test_cached_tokens_on_a_repeated_prefix(
    fake: FakeGemini, client: httpx.AsyncClient
) -> None:
    provider = make_provider(fake, client)
    first = await provider.analyze(document_chunk(0), TASK)
    second = await provider.analyze(document_chunk(1), TASK)
    await provider.aclose()
    assert first.usage.cached_tokens == 0
    assert 0 < second.usage.cached_tokens < second.usage.input_tokens
    uncached = Usage(
        input_tokens=second.usage.input_tokens, output_tokens=second.usage.output_tokens
    )
    assert second.cost_usd < cost_usd("gemini", "gemini-2.5-flash", "global", uncached)


async def test_keyframes_go_inline(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    provider = make_provider(fake, client)
    chunk = keyframe_chunk(tmp_path)
    result = await provider.analyze(chunk, TASK)
    await provider.aclose()

    parts = fake.generate_requests()[0].json()["contents"][0]["parts"]
    inline = [p["inlineData"] for p in parts if "inlineData" in p]
    assert [i["mimeType"] for i in inline] == ["image/jpeg"] * 3
    assert base64.b64decode(inline[0]["data"]) == Path(chunk.parts[0].path or "").read_bytes()
    assert [p["text"] for p in parts if p.get("text", "").startswith("[t=")] == [
        "[t=12.0s]", "[t=15.5s]", "[t=19.0s]"
    ]  # fmt: skip
    assert fake.uploaded == []
    assert result.scenes and result.transcript
    for scene in result.scenes:
        assert 10.0 <= (scene.span.start_s or 0) <= 20.0


async def test_large_video_goes_through_the_file_api(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    provider = make_provider(fake, client)
    chunk = video_chunk(tmp_path, video_bytes=40_000)
    result = await provider.analyze(chunk, TASK)

    uploads = [r for r in fake.requests if r.path.startswith("/upload/v1beta/files")]
    start, *chunks = uploads
    assert start.headers["x-goog-upload-protocol"] == "resumable"
    assert start.headers["x-goog-upload-header-content-length"] == "40000"
    assert start.headers["x-goog-upload-header-content-type"] == "video/mp4"
    assert len(chunks) == math.ceil(40_000 / 4096)
    assert chunks[-1].headers["x-goog-upload-command"] == "upload, finalize"
    assert [int(c.headers["x-goog-upload-offset"]) for c in chunks] == list(range(0, 40_000, 4096))
    [name] = fake.uploaded
    assert bytes(fake.files[name].data) == Path(chunk.parts[0].path or "").read_bytes()

    parts = fake.generate_requests()[0].json()["contents"][0]["parts"]
    [video] = [p for p in parts if "fileData" in p]
    assert video["fileData"] == {
        "mimeType": "video/mp4",
        "fileUri": f"{fake.base_url}/v1beta/{name}",
    }
    assert video["videoMetadata"] == {"startOffset": "0s", "endOffset": "30s"}
    assert [p["inlineData"]["mimeType"] for p in parts if "inlineData" in p] == ["audio/wav"]
    assert result.transcript and all(
        30.0 <= (s.span.start_s or 0) <= 60.0 for s in result.transcript
    )

    await provider.aclose()
    assert fake.deleted == [name] and fake.files == {}


async def test_one_upload_serves_several_chunks(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    provider = make_provider(fake, client)
    path = media_file(tmp_path, "whole.mp4", 30_000)
    for index, start in enumerate((0.0, 25.0)):  # two chunks over one file, 5 s overlap
        part = media_part("video", "video/mp4", path, start, start + 30.0)
        chunk = video_chunk(tmp_path, video_bytes=0, index=index, start=start)
        await provider.analyze(chunk.model_copy(update={"parts": [part]}), TASK)
    offsets = [
        p["videoMetadata"]
        for r in fake.generate_requests()
        for p in r.json()["contents"][0]["parts"]
        if "videoMetadata" in p
    ]
    assert offsets == [
        {"startOffset": "0s", "endOffset": "30s"},
        {"startOffset": "25s", "endOffset": "55s"},
    ]
    assert len(fake.uploaded) == 1 and fake.deleted == []
    await provider.aclose()
    assert fake.deleted == fake.uploaded


async def test_uploads_deleted_after_use_when_not_reused(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    provider = make_provider(fake, client, reuse_uploads=False)
    await provider.analyze(video_chunk(tmp_path, video_bytes=20_000), TASK)
    assert fake.uploaded and fake.deleted == fake.uploaded
    await provider.aclose()


async def test_unsupported_video_type_is_left_out_with_a_note(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    provider = make_provider(fake, client)
    chunk = video_chunk(tmp_path, video_bytes=1000)
    mkv = chunk.parts[0].model_copy(update={"mime": "video/x-matroska"})
    result = await provider.analyze(chunk.model_copy(update={"parts": [mkv, chunk.parts[1]]}), TASK)
    await provider.aclose()
    texts = [p.get("text", "") for p in fake.generate_requests()[0].json()["contents"][0]["parts"]]
    assert not any(t.startswith("[video") for t in texts)
    assert any("video/x-matroska" in note for note in result.notes)


async def test_concurrent_chunks_upload_a_shared_file_once(
    fake: FakeGemini, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    provider = make_provider(fake, client)
    path = media_file(tmp_path, "whole.mp4", 30_000)
    chunks = []
    for index, start in enumerate((0.0, 25.0, 50.0)):
        part = media_part("video", "video/mp4", path, start, start + 30.0)
        chunk = video_chunk(tmp_path, video_bytes=0, index=index, start=start)
        chunks.append(chunk.model_copy(update={"parts": [part]}))
    results = await asyncio.gather(*(provider.analyze(c, TASK) for c in chunks))
    assert [r.chunk_index for r in results] == [0, 1, 2]
    assert len(fake.uploaded) == 1
    await provider.aclose()
    assert fake.deleted == fake.uploaded
