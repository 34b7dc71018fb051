"""Reading OpenAI chat-completions responses: one JSON body, or an SSE stream of chunks.

Both end in a `Completion`: the forced function's arguments (or, from a server that answered
in plain content instead, that content), the finish reason and the usage. A stream must end
with `data: [DONE]`; one that stops early is a retryable `truncated_stream`, and an in-stream
`data: {"error": ...}` event becomes the error it describes (DashScope moderates output this
way, after partial content).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx

from analysis.schema import Usage
from providers.errors import ProviderError, ProviderRejected, ProviderUnavailable

log = logging.getLogger(__name__)


@dataclass
class Completion:
    arguments: str = ""  # the function-call arguments, concatenated
    content: str = ""  # plain assistant text (used when a server ignored the tool)
    finish_reason: str | None = None
    usage: Usage = field(default_factory=Usage)
    call_id: str = "call_0"

    def payload(self) -> str:
        """What should hold the findings JSON: the tool arguments, else the content."""
        return self.arguments if self.arguments.strip() else self.content


def sum_usage(usages: Iterable[Usage]) -> Usage:
    total = Usage()
    for u in usages:
        total.input_tokens += u.input_tokens
        total.output_tokens += u.output_tokens
        total.cached_tokens += u.cached_tokens
    return total


def usage_from(raw: dict[str, Any] | None) -> Usage:
    """OpenAI usage → ours; cached tokens (a part of prompt_tokens) from prompt_tokens_details."""
    if not raw:
        return Usage()
    details = raw.get("prompt_tokens_details") or {}
    return Usage(
        input_tokens=int(raw.get("prompt_tokens") or 0),
        output_tokens=int(raw.get("completion_tokens") or 0),
        cached_tokens=int(details.get("cached_tokens") or 0),
    )


def parse_completion(body: dict[str, Any], *, provider: str, chunk_index: int | None) -> Completion:
    """A non-streaming `chat.completion` body."""
    if "error" in body:
        raise event_error(body["error"], provider=provider, chunk_index=chunk_index)
    choices = body.get("choices") or []
    done = Completion(usage=usage_from(body.get("usage")))
    if not choices:
        return done
    choice = choices[0]
    message = choice.get("message") or {}
    done.finish_reason = choice.get("finish_reason")
    done.content = message.get("content") or ""
    for call in message.get("tool_calls") or []:
        function = call.get("function") or {}
        done.arguments = function.get("arguments") or ""
        done.call_id = call.get("id") or done.call_id
        break
    return done


class StreamReader:
    """Accumulates `chat.completion.chunk` events; `feed` returns True at `[DONE]`."""

    def __init__(self, *, provider: str, chunk_index: int | None) -> None:
        self.provider = provider
        self.chunk_index = chunk_index
        self.done = Completion()
        self._args: dict[int, list[str]] = {}
        self.finished = False

    def feed(self, line: str) -> bool:
        if not line.startswith("data:"):
            return False  # blank separators, `: keep-alive` comments, `event:`/`id:` lines
        data = line[5:].strip()
        if data == "[DONE]":
            self.finished = True
            first = min(self._args, default=None)
            self.done.arguments = "".join(self._args[first]) if first is not None else ""
            return True
        try:
            event = json.loads(data)
        except json.JSONDecodeError as exc:
            raise ProviderUnavailable(
                f"unreadable stream event: {data[:200]!r}",
                provider=self.provider,
                chunk_index=self.chunk_index,
                reason="truncated_stream",
            ) from exc
        self._event(event)
        return False

    def _event(self, event: dict[str, Any]) -> None:
        if "error" in event:
            raise event_error(event["error"], provider=self.provider, chunk_index=self.chunk_index)
        if event.get("usage"):
            self.done.usage = usage_from(event["usage"])
        for choice in event.get("choices") or []:
            delta = choice.get("delta") or {}
            self.done.content += delta.get("content") or ""
            for call in delta.get("tool_calls") or []:
                index = int(call.get("index") or 0)
                if call.get("id"):
                    self.done.call_id = call["id"]
                function = call.get("function") or {}
                self._args.setdefault(index, []).append(function.get("arguments") or "")
            if choice.get("finish_reason"):
                self.done.finish_reason = choice["finish_reason"]


async def read_stream(
    response: httpx.Response, *, provider: str, chunk_index: int | None
) -> Completion:
    """Read an SSE response to its `[DONE]`; a cut stream is `truncated_stream`."""
    reader = StreamReader(provider=provider, chunk_index=chunk_index)
    try:
        async for line in response.aiter_lines():
            if reader.feed(line):
                return reader.done
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise ProviderUnavailable(
            f"the stream broke off: {type(exc).__name__}",
            provider=provider,
            chunk_index=chunk_index,
            reason="truncated_stream",
        ) from exc
    raise ProviderUnavailable(
        "the stream ended without data: [DONE]; the answer may be incomplete",
        provider=provider,
        chunk_index=chunk_index,
        reason="truncated_stream",
    )


_RETRYABLE_CODES = (
    "throttl",
    "limit_requests",
    "limit_burst",
    "rate_limit",
    "internal",
    "unavailable",
)
_SAFETY_CODES = ("data_inspection", "inappropriate", "safety", "content_filter")


def event_error(error: Any, *, provider: str, chunk_index: int | None) -> ProviderError:
    """An error object found in a body or an SSE event, mapped into the error tree."""
    if isinstance(error, dict):
        message = str(error.get("message") or error)
        code = str(error.get("code") or error.get("type") or "")
    else:  # Ollama: {"error": "..."}
        message, code = str(error), ""
    text = f"{message} ({code})" if code else message
    probe = f"{code} {message}".lower()
    where: dict[str, Any] = {"provider": provider, "chunk_index": chunk_index}
    if any(k in probe for k in _SAFETY_CODES):
        return ProviderRejected(text, reason="safety_block", **where)
    if any(k in probe for k in _RETRYABLE_CODES):
        reason = "rate_limited" if "limit" in probe or "throttl" in probe else "server_error"
        return ProviderUnavailable(text, reason=reason, **where)
    return ProviderRejected(text, reason="bad_request", **where)
