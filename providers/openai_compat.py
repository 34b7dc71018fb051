"""Any OpenAI-compatible chat-completions server: vLLM, Ollama, LiteLLM, OpenRouter, a gateway.

Configured by base URL, key and model (LONGFORM_OPENAI_COMPAT_BASE_URL / _API_KEY / _MODEL).
Text and images are always sent; audio (`input_audio`, raw base64) and video (`video_url`
data URLs) only when the server is declared to take them, because the portable core of the
format is text and images (PROVIDERS.md C). Usage and cost: such servers are usually
self-hosted, so the price table knows no rows for them and the cost is 0. `summarize` (the
report's reduce step) asks the same model for plain prose.
"""

from __future__ import annotations

import os
import time
from typing import Final

import httpx

from analysis.schema import ChunkResult
from ingest.types import Chunk
from providers._openai_compat import Call, Wire, request_findings, request_text
from providers.base import AnalysisTask, Capabilities, SummaryResult
from providers.errors import ConfigError, ProviderRejected
from providers.httpclient import build_client
from providers.llm import build_prompt, build_summary_prompt, findings_to_result
from providers.pricing import cost_usd

__all__ = ["OpenAICompatProvider"]

BASE_URL_ENV: Final = "LONGFORM_OPENAI_COMPAT_BASE_URL"
KEY_ENV: Final = "LONGFORM_OPENAI_COMPAT_API_KEY"
MODEL_ENV: Final = "LONGFORM_OPENAI_COMPAT_MODEL"


class OpenAICompatProvider:
    """:param base_url: e.g. http://localhost:11434/v1 (None: LONGFORM_OPENAI_COMPAT_BASE_URL).
    :param api_key: None reads LONGFORM_OPENAI_COMPAT_API_KEY; local servers may take any.
    :param model: None reads LONGFORM_OPENAI_COMPAT_MODEL.
    :param audio, video: the server takes `input_audio` / `video_url` parts.
    :param stream: ask for SSE (some gateways time out long non-streaming calls).
    """

    name = "openai-compat"

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        *,
        audio: bool = False,
        video: bool = False,
        stream: bool = False,
        region: str = "self-hosted",
        context_tokens: int = 32_000,
        http_client: httpx.AsyncClient | None = None,
        timeout_s: float = 180.0,
        attempts: int = 4,
        total_timeout_s: float = 300.0,
        max_tokens: int = 8192,
    ) -> None:
        self.base_url = _required(base_url, BASE_URL_ENV).rstrip("/")
        self.api_key = _required(api_key, KEY_ENV)
        self.model = _required(model, MODEL_ENV)
        self.region = region
        self.wire = Wire(stream=stream, max_tokens=max_tokens)
        self.kinds = {"image"} | ({"audio"} if audio else set()) | ({"video"} if video else set())
        self._own_client = http_client is None
        self.client = http_client or build_client(timeout_s=timeout_s)
        self.attempts, self.total_timeout_s = attempts, total_timeout_s
        self.capabilities = Capabilities(
            modalities=frozenset({"text"} | self.kinds),
            context_tokens=context_tokens,
            max_pages_per_chunk=30,
            max_chunk_seconds=300.0,
            regions=frozenset({region}),
            json_mode=True,
            offline=False,
            cost_tier=1,
        )

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        started = time.perf_counter()
        full = build_prompt(chunk, task)
        prompt = full.only(self.kinds)
        if full.media_kinds() and not prompt.media_kinds():
            raise ProviderRejected(
                f"{self.model} at {self.base_url} is not configured for "
                f"{', '.join(sorted(full.media_kinds()))} input",
                provider=self.name,
                chunk_index=chunk.index,
                reason="unsupported_input",
            )
        findings, usage = await request_findings(self._call(chunk.index), prompt)
        return findings_to_result(
            chunk,
            findings,
            provider=self.name,
            model=self.model,
            usage=usage,
            cost_usd=cost_usd(self.name, self.model, self.region, usage),
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    async def summarize(self, texts: list[str], *, limit_words: int) -> SummaryResult:
        """One plain request to the model; errors as in `analyze`."""
        started = time.perf_counter()
        prompt = build_summary_prompt(texts, limit_words)
        text, usage = await request_text(self._call(None), prompt)
        return SummaryResult(
            text=text,
            usage=usage,
            cost_usd=cost_usd(self.name, self.model, self.region, usage),
            model=self.model,
            prompt_version=prompt.version,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    def _call(self, chunk_index: int | None) -> Call:
        return Call(
            client=self.client,
            url=f"{self.base_url}/chat/completions",
            api_key=self.api_key,
            model=self.model,
            provider=self.name,
            chunk_index=chunk_index,
            wire=self.wire,
            attempts=self.attempts,
            total_timeout_s=self.total_timeout_s,
        )

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()


def _required(value: str | None, env: str) -> str:
    found = value or os.environ.get(env)
    if not found:
        raise ConfigError(f"the OpenAI-compatible provider needs {env}", setting=env)
    return found
