"""Qwen on Alibaba Cloud Model Studio (DashScope), OpenAI-compatible mode.

Endpoint, key and model must share a region (PROVIDERS.md A1), so the region is a setting
and picks the base URL; `base_url` overrides it (a workspace URL, a proxy, a test server).
One model per modality, because no single Qwen model takes everything:

- document pages → the text model (non-streaming);
- keyframes → the VL model, as one `video` frame list with `fps` stated when the count is
  within the model's frame limits, else as separate images;
- audio → the Omni model, which only streams and takes one non-text modality per message.

A video chunk with keyframes and audio is asked twice (VL, then Omni) and the findings are
merged; usage and cost add up. The wire format itself lives in `providers._openai_compat`.
`summarize` (the report's reduce step) asks the text model for plain prose.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Final

import httpx

from analysis.schema import ChunkResult, Usage
from ingest.types import Chunk
from providers._findings import ModelFindings, merge_findings
from providers._openai_compat import Call, Wire, request_findings, request_text
from providers._openai_parse import sum_usage
from providers.base import AnalysisTask, Capabilities, SummaryResult
from providers.errors import ConfigError, ProviderRejected
from providers.httpclient import build_client
from providers.llm import Prompt, build_prompt, build_summary_prompt, findings_to_result
from providers.pricing import cost_usd

__all__ = ["KEY_ENV", "REGIONS", "QwenModels", "QwenProvider", "frame_limits", "region_url"]

KEY_ENV: Final = "LONGFORM_QWEN_API_KEY"
BASE_URL_ENV: Final = "LONGFORM_QWEN_BASE_URL"

REGIONS: Final = {
    "intl": "https://dashscope-intl.aliyuncs.com/compatible-mode/v1",  # Singapore
    "us": "https://dashscope-us.aliyuncs.com/compatible-mode/v1",  # Virginia
    "beijing": "https://dashscope.aliyuncs.com/compatible-mode/v1",
    "hongkong": "https://cn-hongkong.dashscope.aliyuncs.com/compatible-mode/v1",
    "frankfurt": "https://{workspace}.eu-central-1.maas.aliyuncs.com/compatible-mode/v1",
}
ALIASES: Final = {
    "singapore": "intl",
    "ap-southeast-1": "intl",
    "virginia": "us",
    "us-east-1": "us",
    "cn-beijing": "beijing",
    "china": "beijing",
    "hong-kong": "hongkong",
    "cn-hongkong": "hongkong",
    "eu-central-1": "frankfurt",
}


def region_url(region: str, workspace_id: str | None = None) -> str:
    """The compatible-mode base URL of a region (Frankfurt: workspace domains only)."""
    key = ALIASES.get(region.lower(), region.lower())
    if key not in REGIONS:
        raise ConfigError(
            f"unknown Qwen region {region!r}; use one of {', '.join(REGIONS)}",
            setting="LONGFORM_QWEN_REGION",
        )
    if key == "frankfurt" and not workspace_id:
        raise ConfigError(
            "Qwen in Frankfurt is served only on a workspace domain: set "
            f"{BASE_URL_ENV} to https://<WorkspaceId>.eu-central-1.maas.aliyuncs.com/"
            "compatible-mode/v1",
            setting=BASE_URL_ENV,
        )
    return REGIONS[key].format(workspace=workspace_id)


def frame_limits(vl_model: str) -> tuple[int, int]:
    """(min, max) frames of a `video` frame list for this model (PROVIDERS.md D)."""
    if vl_model.startswith(("qwen3-vl-plus", "qwen3-vl-flash", "qwen3-vl-235b")):
        return (4, 2000)
    if vl_model.startswith(("qwen3-vl", "qwen2.5-vl", "qvq")):
        return (4, 512)
    return (4, 80)


@dataclass(frozen=True)
class QwenModels:
    text: str = "qwen-flash"
    vl: str = "qwen3-vl-plus"
    omni: str = "qwen3-omni-flash"


@dataclass
class _Request:
    model: str
    prompt: Prompt
    wire: Wire
    usage: Usage = field(default_factory=Usage)


class QwenProvider:
    """:param api_key: DashScope key of `region`; None reads LONGFORM_QWEN_API_KEY.
    :param region: intl (Singapore, default), us, beijing, hongkong, frankfurt.
    :param base_url: overrides the region's URL (workspace domain, gateway, test server).
    :param http_client: a shared AsyncClient; by default one is built and closed here.
    """

    name = "qwen"

    def __init__(
        self,
        api_key: str | None = None,
        *,
        region: str = "intl",
        base_url: str | None = None,
        workspace_id: str | None = None,
        models: QwenModels | None = None,
        http_client: httpx.AsyncClient | None = None,
        timeout_s: float = 180.0,
        attempts: int = 4,
        total_timeout_s: float = 300.0,
        max_tokens: int = 8192,
    ) -> None:
        key = api_key or os.environ.get(KEY_ENV)
        if not key:
            raise ConfigError(f"no Qwen API key: set {KEY_ENV}", setting=KEY_ENV)
        self.api_key = key
        self.region = ALIASES.get(region.lower(), region.lower())
        self.base_url = (base_url or region_url(self.region, workspace_id)).rstrip("/")
        self.models = models or QwenModels()
        self.model = self.models.text
        self._own_client = http_client is None
        self.client = http_client or build_client(timeout_s=timeout_s)
        self.attempts, self.total_timeout_s, self.max_tokens = attempts, total_timeout_s, max_tokens
        self.capabilities = Capabilities(
            modalities=frozenset({"text", "image", "audio", "video"}),
            context_tokens=48_000,  # the Omni model's non-thinking input limit bounds a chunk
            max_pages_per_chunk=60,
            max_chunk_seconds=600.0,  # Omni-Flash takes audio up to 20 min; keep headroom
            regions=frozenset({self.region}),
            json_mode=True,
            offline=False,
            cost_tier=2,
        )

    async def analyze(self, chunk: Chunk, task: AnalysisTask) -> ChunkResult:
        started = time.perf_counter()
        requests = self._plan(build_prompt(chunk, task), chunk)
        found: list[ModelFindings] = []
        for req in requests:
            call = self._call(req.model, req.wire, chunk.index)
            findings, req.usage = await request_findings(call, req.prompt)
            found.append(findings)
        return findings_to_result(
            chunk,
            merge_findings(found),
            provider=self.name,
            model="+".join(r.model for r in requests),
            usage=sum_usage(r.usage for r in requests),
            cost_usd=sum(cost_usd(self.name, r.model, self.region, r.usage) for r in requests),
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    async def summarize(self, texts: list[str], *, limit_words: int) -> SummaryResult:
        """One plain request to the text model (thinking off); errors as in `analyze`."""
        started = time.perf_counter()
        prompt = build_summary_prompt(texts, limit_words)
        wire = Wire(max_tokens=self.max_tokens, extra={"enable_thinking": False})
        text, usage = await request_text(self._call(self.models.text, wire, None), prompt)
        return SummaryResult(
            text=text,
            usage=usage,
            cost_usd=cost_usd(self.name, self.models.text, self.region, usage),
            model=self.models.text,
            prompt_version=prompt.version,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )

    def _call(self, model: str, wire: Wire, chunk_index: int | None) -> Call:
        return Call(
            client=self.client,
            url=f"{self.base_url}/chat/completions",
            api_key=self.api_key,
            model=model,
            provider=self.name,
            chunk_index=chunk_index,
            wire=wire,
            attempts=self.attempts,
            total_timeout_s=self.total_timeout_s,
        )

    def _plan(self, prompt: Prompt, chunk: Chunk) -> list[_Request]:
        """Which model hears which part of the chunk."""
        kinds = prompt.media_kinds()
        quiet = {"enable_thinking": False}  # forced tool_choice needs thinking off
        if not kinds:
            wire = Wire(max_tokens=self.max_tokens, extra=quiet)
            return [_Request(self.models.text, prompt, wire)]
        plan: list[_Request] = []
        visual = {"image"} if "image" in kinds else kinds & {"video"}
        if visual:
            wire = Wire(
                frame_list=frame_limits(self.models.vl), max_tokens=self.max_tokens, extra=quiet
            )
            plan.append(_Request(self.models.vl, prompt.only(visual), wire))
        if "audio" in kinds:
            wire = Wire(
                stream=True,
                audio_data_url=True,
                max_tokens=self.max_tokens,
                extra={"modalities": ["text"]},
            )
            plan.append(_Request(self.models.omni, prompt.only({"audio"}), wire))
        if not plan:
            raise ProviderRejected(
                f"nothing in this chunk Qwen can read: {sorted(kinds)}",
                provider=self.name,
                chunk_index=chunk.index,
                reason="unsupported_input",
            )
        return plan

    async def aclose(self) -> None:
        if self._own_client:
            await self.client.aclose()
