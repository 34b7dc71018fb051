"""The OpenAI chat-completions wire adapter, shared by Qwen and the generic provider.

A `Prompt` becomes one system message and one user message (instructions first, then the
chunk), and the findings come back as the arguments of ONE function, `record_findings`, whose
parameters are `findings_schema()` and which `tool_choice` forces. The arguments are
validated with `ModelFindings`; invalid ones get one repair round (the validation error is
sent back as the tool's result and the model is asked again), then the chunk fails with
`malformed_output`. What differs between servers is data in `Wire`.

`request_text` is the plain variant for the summary step: the same messages without tools,
answered in `content`; a `length` finish, a content filter or an empty answer is an error.
"""

from __future__ import annotations

import base64
import functools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import ValidationError

from analysis.schema import Usage
from providers._openai_parse import Completion, parse_completion, read_stream, sum_usage
from providers.errors import ProviderRejected
from providers.httpclient import guard_url, map_http_errors, raise_for_status
from providers.llm import FUNCTION_NAME, ModelFindings, Prompt, PromptPart, findings_schema
from providers.retry import with_retries

log = logging.getLogger(__name__)
_THINKING = re.compile(r"^\s*<think>.*?</think>", re.S)  # reasoning models on some servers

AUDIO_FORMATS = {"audio/wav": "wav", "audio/x-wav": "wav", "audio/mpeg": "mp3", "audio/mp3": "mp3"}
AUDIO_FORMATS |= {"audio/aac": "aac", "audio/amr": "amr", "audio/3gpp": "3gp", "audio/mp4": "m4a"}


@dataclass(frozen=True)
class Wire:
    """How one server wants a request: the quirks are data, not branches on a name."""

    stream: bool = False
    audio_data_url: bool = False  # Qwen: input_audio.data is `data:;base64,…`; OpenAI: raw
    frame_list: tuple[int, int] | None = None  # Qwen-VL: images as one `video` frame list
    max_tokens: int = 8192
    extra: dict[str, Any] = field(default_factory=dict)  # top-level fields, e.g. enable_thinking


@dataclass
class Call:
    """One model request for one chunk, as the retry layer sees it."""

    client: httpx.AsyncClient
    url: str
    api_key: str
    model: str
    provider: str
    chunk_index: int | None  # None: a request about no one chunk (the summary)
    wire: Wire
    attempts: int = 4
    total_timeout_s: float = 300.0
    base_delay_s: float = 0.5


def tool_spec() -> dict[str, Any]:
    return {
        "tools": [
            {
                "type": "function",
                "function": {
                    "name": FUNCTION_NAME,
                    "description": "Record the findings for this part of the source.",
                    "parameters": findings_schema(),
                },
            }
        ],
        "tool_choice": {"type": "function", "function": {"name": FUNCTION_NAME}},
    }


def build_body(prompt: Prompt, model: str, wire: Wire) -> dict[str, Any]:
    user = [{"type": "text", "text": prompt.instructions}, *content_parts(prompt.parts, wire)]
    body: dict[str, Any] = {
        "model": model,
        "messages": [
            {"role": "system", "content": prompt.system},
            {"role": "user", "content": user},
        ],
        **tool_spec(),
        "max_tokens": wire.max_tokens,
        "temperature": 0.1,
        "stream": wire.stream,
    }
    if wire.stream:
        body["stream_options"] = {"include_usage": True}
    return {**body, **wire.extra}


def build_text_body(prompt: Prompt, model: str, wire: Wire) -> dict[str, Any]:
    """`build_body` without the function: the answer comes back as plain content."""
    body = build_body(prompt, model, wire)
    for key in tool_spec():
        body.pop(key, None)
    return body


def content_parts(parts: list[PromptPart], wire: Wire) -> list[dict[str, Any]]:
    images = [p for p in parts if p.kind == "image"]
    lo, hi = wire.frame_list or (0, -1)
    if images and lo <= len(images) <= hi:
        rest = [p for i, p in enumerate(parts) if p.kind != "image" and not _marks_image(parts, i)]
        return [_part(p, wire) for p in rest] + _frame_list(images)
    return [_part(p, wire) for p in parts]


def _marks_image(parts: list[PromptPart], i: int) -> bool:
    nxt = parts[i + 1] if i + 1 < len(parts) else None
    return parts[i].kind == "text" and parts[i].start_s is not None and bool(nxt)


def _frame_list(images: list[PromptPart]) -> list[dict[str, Any]]:
    """Keyframes as one Qwen `video` frame list; `fps` states their mean sampling rate."""
    times = [p.start_s or 0.0 for p in images]
    spread = max(times) - min(times)
    fps = min(10.0, max(0.1, (len(times) - 1) / spread)) if spread > 0 else 2.0
    listing = ", ".join(f"t={t:.1f}s" for t in times)
    return [
        {"type": "text", "text": f"[{len(times)} keyframes, in order, at {listing}]"},
        {"type": "video", "video": [data_url(p) for p in images], "fps": round(fps, 3)},
    ]


def _part(part: PromptPart, wire: Wire) -> dict[str, Any]:
    if part.kind == "text":
        return {"type": "text", "text": part.text or ""}
    if part.kind == "image":
        return {"type": "image_url", "image_url": {"url": data_url(part)}}
    if part.kind == "audio":
        fmt = AUDIO_FORMATS.get(part.mime or "", "wav")
        data = _b64(part) if not wire.audio_data_url else "data:;base64," + _b64(part)
        return {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}
    return {"type": "video_url", "video_url": {"url": data_url(part)}}


def _b64(part: PromptPart) -> str:
    return base64.b64encode(Path(part.path or "").read_bytes()).decode("ascii")


def data_url(part: PromptPart) -> str:
    return f"data:{part.mime or 'application/octet-stream'};base64,{_b64(part)}"


async def send(call: Call, body: dict[str, Any]) -> Completion:
    """One HTTP request (no retries here), its errors mapped into the tree."""
    guard_url(call.url, provider=call.provider)
    headers = {"Authorization": f"Bearer {call.api_key}"}
    with map_http_errors(call.provider, call.chunk_index):
        if not body.get("stream"):
            response = await call.client.post(call.url, json=body, headers=headers)
            await raise_for_status(response)
            return parse_completion(
                response.json(), provider=call.provider, chunk_index=call.chunk_index
            )
        async with call.client.stream("POST", call.url, json=body, headers=headers) as response:
            await raise_for_status(response)
            return await read_stream(response, provider=call.provider, chunk_index=call.chunk_index)


async def request_findings(call: Call, prompt: Prompt) -> tuple[ModelFindings, Usage]:
    """Ask for the findings; one repair round on invalid arguments. Usage covers both."""
    body = build_body(prompt, call.model, call.wire)
    usage = Usage()
    for round_ in (1, 2):
        done = await with_retries(
            functools.partial(send, call, body),
            provider=call.provider,
            attempts=call.attempts,
            total_timeout_s=call.total_timeout_s,
            base_delay_s=call.base_delay_s,
        )
        usage = sum_usage([usage, done.usage])
        _check_finish(done, call)
        try:
            return ModelFindings.model_validate_json(done.payload() or "{}"), usage
        except ValidationError as exc:
            problem = _describe(exc)
            log.warning("%s: invalid findings (round %d): %s", call.provider, round_, problem)
            body = _repair_body(body, done, problem)
    raise ProviderRejected(
        f"the model's output did not match the findings schema after one repair: {problem}",
        provider=call.provider,
        chunk_index=call.chunk_index,
        reason="malformed_output",
    )


async def request_text(call: Call, prompt: Prompt) -> tuple[str, Usage]:
    """A plain answer (no tools), retried like `request_findings`; never empty or cut short."""
    body = build_text_body(prompt, call.model, call.wire)
    done = await with_retries(
        functools.partial(send, call, body),
        provider=call.provider,
        attempts=call.attempts,
        total_timeout_s=call.total_timeout_s,
        base_delay_s=call.base_delay_s,
    )
    _check_finish(done, call)
    text = " ".join(_THINKING.sub("", done.content).split())
    if not text:
        raise ProviderRejected(
            "the model answered with no text",
            provider=call.provider,
            chunk_index=call.chunk_index,
            reason="malformed_output",
        )
    return text, done.usage


def _check_finish(done: Completion, call: Call) -> None:
    if done.finish_reason == "length":
        raise ProviderRejected(
            f"the answer was cut at max_tokens={call.wire.max_tokens} (finish_reason=length)",
            provider=call.provider,
            chunk_index=call.chunk_index,
            reason="length",
        )
    if done.finish_reason == "content_filter":
        raise ProviderRejected(
            "the answer was withheld by the provider's content filter",
            provider=call.provider,
            chunk_index=call.chunk_index,
            reason="safety_block",
        )


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False)[:5]
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or '<root>'}: {e['msg']}" for e in errors)


def _repair_body(body: dict[str, Any], done: Completion, problem: str) -> dict[str, Any]:
    """The same request plus the bad call and the validation error as the tool's result."""
    call: dict[str, Any] = {
        "id": done.call_id,
        "type": "function",
        "function": {"name": FUNCTION_NAME, "arguments": done.payload()},
    }
    messages = [
        *body["messages"],
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {
            "role": "tool",
            "tool_call_id": done.call_id,
            "content": f"Invalid arguments: {problem}. Call {FUNCTION_NAME} again with "
            "arguments that are valid JSON and match its parameters schema exactly.",
        },
    ]
    return {**body, "messages": messages}
