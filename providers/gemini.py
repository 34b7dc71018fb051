"""Google Gemini (generateContent, v1beta) as a `Provider`: the latency choice among clouds.

One chunk is one generateContent call (plus at most one repair call when the answer is not
valid JSON for the schema). Media go inline (base64) while the request stays under
`inline_limit_bytes`; larger media go through the File API (`providers.gemini_files`) and are
referenced by URI, with `videoMetadata` offsets so an uploaded file can serve several chunks.
Every HTTP call runs under `providers.retry.with_retries` (the one retry layer) with its own
timeout; errors are mapped by `providers.httpclient.map_http_errors`, which reads Gemini's
`RetryInfo.retryDelay` on a 429. Wire mapping: `providers.gemini_wire`. `summarize` (the
report's reduce step) is one plain-text generateContent call under the same retries.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Final, TypeVar

import httpx

from analysis.schema import ChunkResult, Usage
from ingest.types import Chunk
from providers.base import AnalysisTask, Capabilities, SummaryResult
from providers.errors import ConfigError, ProviderRejected, ProviderUnavailable
from providers.gemini_files import FileCache, UploadSettings
from providers.gemini_wire import (
    Answer,
    FileRef,
    add_usage,
    gemini_errors,
    gemini_mime,
    generate_body,
    parse_answer,
    repair_turns,
    text_body,
)
from providers.httpclient import build_client, guard_url, raise_for_status
from providers.llm import (
    ModelFindings,
    Prompt,
    PromptPart,
    build_prompt,
    build_summary_prompt,
    findings_to_result,
)
from providers.pricing import cost_usd
from providers.retry import with_retries

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "DEFAULT_MODEL",
    "GeminiProvider",
    "UploadSettings",
    "capabilities_for",
]

log = logging.getLogger(__name__)
T = TypeVar("T")

API_KEY_ENV: Final = "LONGFORM_GEMINI_API_KEY"
BASE_URL_ENV: Final = "LONGFORM_GEMINI_BASE_URL"
DEFAULT_BASE_URL: Final = "https://generativelanguage.googleapis.com"
DEFAULT_MODEL: Final = "gemini-2.5-flash"
REGION: Final = "global"  # one Gemini API price list; no regional endpoints
INLINE_LIMIT_BYTES: Final = 20 * 1024 * 1024  # raw bytes; the documented 100 MB is base64 [C B7]
# Video MIME types Gemini documents [S B5]; audio per [C B11].
VIDEO_MIMES: Final = frozenset(
    {"video/mp4", "video/mpeg", "video/mov", "video/avi", "video/x-flv", "video/mpg",
     "video/webm", "video/wmv", "video/3gpp"}
)  # fmt: skip
AUDIO_MIMES: Final = frozenset(
    {"audio/wav", "audio/mp3", "audio/aiff", "audio/aac", "audio/ogg", "audio/flac"}
)


def capabilities_for(model: str) -> Capabilities:
    """1M-token context for 2.5/3.x models; one hour of default-resolution video [C B3]."""
    return Capabilities(
        modalities=frozenset({"text", "image", "audio", "video"}),
        context_tokens=1_048_576,
        max_pages_per_chunk=200,
        max_chunk_seconds=1800.0,
        regions=frozenset({REGION}),
        json_mode=True,
        offline=False,
        cost_tier=3 if "pro" in model else 1,
    )


class GeminiProvider:
    """Gemini over its REST API with an `x-goog-api-key` header.

    :param api_key: the key; default `LONGFORM_GEMINI_API_KEY` (ConfigError naming it if unset).
    :param base_url: the host root; the client appends `/v1beta/…` and `/upload/v1beta/…`.
        Default `LONGFORM_GEMINI_BASE_URL`, else the public endpoint.
    :param http_client: an injected client (not closed by `aclose`); default one of our own.
    :param inline_limit_bytes: media up to this many raw bytes per request go inline.
    :param reuse_uploads: keep uploads for later chunks until `aclose` (else delete after use).
    """

    name = "gemini"

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        http_client: httpx.AsyncClient | None = None,
        *,
        model: str = DEFAULT_MODEL,
        timeout_s: float = 120.0,
        attempts: int = 4,
        total_timeout_s: float = 300.0,
        max_output_tokens: int = 16_384,
        temperature: float = 0.2,
        inline_limit_bytes: int = INLINE_LIMIT_BYTES,
        upload: UploadSettings | None = None,
        reuse_uploads: bool = True,
    ) -> None:
        key = api_key or os.environ.get(API_KEY_ENV)
        if not key:
            raise ConfigError(f"Gemini needs an API key: set {API_KEY_ENV}", setting=API_KEY_ENV)
        self.model = model
        self.capabilities = capabilities_for(model)
        self.base_url = (base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
        self.inline_limit_bytes = inline_limit_bytes
        self.reuse_uploads = reuse_uploads
        self._owns_client = http_client is None
        self._client = http_client or build_client(timeout_s=timeout_s)
        self._timeout = httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
        self._retry_opts: dict[str, Any] = {
            "attempts": attempts,
            "total_timeout_s": total_timeout_s,
        }
        self.max_output_tokens = max_output_tokens
        self.temperature = temperature
        self._headers = {"x-goog-api-key": key}
        self.files = FileCache(
            self._client,
            self.base_url,
            self._headers,
            provider=self.name,
            settings=upload or UploadSettings(),
            timeout=self._timeout,
            retry=self._retrying,
        )

    def __repr__(self) -> str:  # never the key
        return f"GeminiProvider(model={self.model!r}, base_url={self.base_url!r})"

    async def _retrying(self, call: Callable[[], Awaitable[T]]) -> T:
        return await with_retries(call, provider=self.name, **self._retry_opts)

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        started = time.perf_counter()
        prompt, notes = self._supported(build_prompt(chunk, task))
        if not any(p.kind != "text" for p in prompt.parts) and not chunk.text().strip():
            raise ProviderRejected(
                "the chunk has no text and no media Gemini can read",
                provider=self.name,
                chunk_index=chunk.index,
                reason="bad_request",
            )
        files = await self._stage_media(prompt, chunk.index)
        try:
            body = generate_body(
                prompt,
                files,
                max_output_tokens=self.max_output_tokens,
                temperature=self.temperature,
            )
            findings, usage = await self._findings(body, chunk.index)
        finally:
            if not self.reuse_uploads:
                for path in files:
                    await self.files.forget(path)
        result = findings_to_result(
            chunk,
            findings,
            provider=self.name,
            model=self.model,
            usage=usage,
            cost_usd=cost_usd(self.name, self.model, REGION, usage),
            latency_ms=round((time.perf_counter() - started) * 1000),
        )
        result.notes.extend(notes)
        return result

    async def summarize(self, texts: list[str], *, limit_words: int) -> SummaryResult:
        """One plain-text request; a block, MAX_TOKENS or an empty answer is an error."""
        started = time.perf_counter()
        prompt = build_summary_prompt(texts, limit_words)
        body = text_body(
            prompt, max_output_tokens=self.max_output_tokens, temperature=self.temperature
        )
        answer = await self._retrying(lambda: self._generate(body, None))
        text = " ".join(answer.text.split())
        if not text:
            raise ProviderRejected(
                "the model answered with no text", provider=self.name, reason="malformed_output"
            )
        return SummaryResult(
            text=text,
            usage=answer.usage,
            cost_usd=cost_usd(self.name, self.model, REGION, answer.usage),
            model=self.model,
            prompt_version=prompt.version,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    def _supported(self, prompt: Prompt) -> tuple[Prompt, list[str]]:
        """The prompt without media in formats Gemini does not take, and a note for each."""
        kept: list[PromptPart] = []
        notes: list[str] = []
        for part in prompt.parts:
            mime = gemini_mime(part.mime)
            known = VIDEO_MIMES if part.kind == "video" else AUDIO_MIMES
            if part.kind in {"video", "audio"} and mime not in known:
                notes.append(f"{part.kind} part not sent to gemini: unsupported type {mime}")
                if kept and kept[-1].kind == "text" and kept[-1].start_s is not None:
                    kept.pop()  # its "[video from …]" marker
                continue
            kept.append(part)
        return replace(prompt, parts=kept), notes

    async def _stage_media(self, prompt: Prompt, chunk_index: int) -> dict[str, FileRef]:
        """Upload the media parts that do not fit inline; the rest stay for base64."""
        budget = self.inline_limit_bytes
        files: dict[str, FileRef] = {}
        for part in prompt.parts:
            if part.kind == "text" or part.path is None or part.path in files:
                continue
            size = os.path.getsize(part.path)
            if size <= budget:
                budget -= size
                continue
            files[part.path] = await self.files.acquire(
                part.path, part.mime, part.start_s or 0.0, chunk_index
            )
        return files

    async def _findings(self, body: dict[str, Any], chunk: int) -> tuple[ModelFindings, Usage]:
        """The answer as findings; one repair call when it is not valid JSON for the schema."""
        first = await self._retrying(lambda: self._generate(body, chunk))
        try:
            return first.findings(), first.usage
        except ValueError as exc:
            log.warning(
                "gemini chunk %d: unusable answer (%s); asking once for a repair", chunk, exc
            )
            repair = repair_turns(body, first.text, str(exc))
        second = await self._retrying(lambda: self._generate(repair, chunk))
        usage = add_usage(first.usage, second.usage)
        try:
            return second.findings(), usage
        except ValueError as exc:
            raise ProviderRejected(
                f"answer still unusable after one repair: {exc}"[:1000],
                provider=self.name,
                chunk_index=chunk,
                reason="malformed_output",
            ) from exc

    async def _generate(self, body: dict[str, Any], chunk: int | None) -> Answer:
        url = f"{self.base_url}/v1beta/models/{self.model}:generateContent"
        guard_url(url, provider=self.name)
        with gemini_errors(self.name, chunk):
            response = await self._client.post(
                url, json=body, headers=self._headers, timeout=self._timeout
            )
            await raise_for_status(response)
        try:
            payload = response.json()
        except ValueError as exc:
            raise ProviderUnavailable(
                "generateContent answered 200 without a JSON body",
                provider=self.name,
                chunk_index=chunk,
                reason="server_error",
            ) from exc
        return parse_answer(payload, provider=self.name, chunk_index=chunk)

    async def aclose(self) -> None:
        """Delete every uploaded file, then close the HTTP client if it is ours."""
        try:
            await self.files.aclose()
        finally:
            if self._owns_client:
                await self._client.aclose()
