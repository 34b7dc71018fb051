"""Which cloud providers are configured, and a one-request health check for each.

The shell passes its settings in; only providers with a key (or, for the OpenAI-compatible
one, a base URL and model) are built. Gemini is imported lazily so this module works before,
and without, `providers.gemini`.
"""

from __future__ import annotations

import importlib
import logging
import time

import httpx

from ingest.types import Chunk, ChunkPart, Span
from providers.base import AnalysisTask, Provider
from providers.errors import ProviderError
from providers.openai_compat import OpenAICompatProvider
from providers.qwen import QwenProvider

__all__ = ["check", "configured_providers"]

log = logging.getLogger(__name__)

CHECK_TEXT = "Longform connectivity check. The Acme Corporation signed the lease on 3 May 2024."


def configured_providers(
    *,
    qwen_api_key: str | None,
    qwen_base_url: str | None,
    qwen_region: str | None,
    openai_compat_base_url: str | None,
    openai_compat_api_key: str | None,
    openai_compat_model: str | None,
    gemini_api_key: str | None,
    gemini_base_url: str | None,
    http_client: httpx.AsyncClient | None = None,
) -> dict[str, Provider]:
    """The cloud providers these settings enable, by name (the local one is the shell's)."""
    found: dict[str, Provider] = {}
    if qwen_api_key:
        found["qwen"] = QwenProvider(
            qwen_api_key,
            region=qwen_region or "intl",
            base_url=qwen_base_url,
            http_client=http_client,
        )
    if openai_compat_base_url and openai_compat_model:
        found["openai-compat"] = OpenAICompatProvider(
            openai_compat_base_url,
            openai_compat_api_key or "none",  # local servers (Ollama, vLLM) take any key
            openai_compat_model,
            http_client=http_client,
        )
    if gemini_api_key:
        gemini = _gemini(gemini_api_key, gemini_base_url, http_client)
        if gemini is not None:
            found["gemini"] = gemini
    return found


def _gemini(
    api_key: str, base_url: str | None, http_client: httpx.AsyncClient | None
) -> Provider | None:
    try:
        module = importlib.import_module("providers.gemini")
    except ModuleNotFoundError:
        log.warning("a Gemini key is set but providers.gemini is not available; skipped")
        return None
    provider: Provider = module.GeminiProvider(
        api_key=api_key, base_url=base_url, http_client=http_client
    )
    return provider


async def check(provider: Provider) -> str:
    """Send one tiny one-page chunk; a one-line verdict, never an exception for its errors."""
    chunk = Chunk(
        index=0,
        span=Span.pages(1),
        parts=[ChunkPart(kind="text", span=Span.pages(1), text=CHECK_TEXT)],
        token_estimate=32,
    )
    started = time.perf_counter()
    try:
        result = await provider.analyze(chunk, AnalysisTask(source_filename="check"))
    except ProviderError as exc:
        return f"failed ({exc.reason}): {exc.message}"
    ms = round((time.perf_counter() - started) * 1000)
    u = result.usage
    return (
        f"ok: {result.model}, {u.input_tokens} in / {u.output_tokens} out "
        f"({u.cached_tokens} cached), ${result.cost_usd:.6f}, {ms} ms"
    )
