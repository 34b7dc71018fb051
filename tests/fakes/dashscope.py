"""A loopback DashScope (Model Studio, OpenAI-compatible mode) server for contract tests.

A real HTTP server on 127.0.0.1 in a background thread (real sockets, real SSE). It checks
requests the way the real service does (`dashscope_checks`), answers the forced function
with arguments generated from the schema it was sent (`dashscope_answer`), streams when
asked (usage in the last chunk, then `data: [DONE]`), reports cached tokens when a request
repeats an earlier prefix, and injects faults from a queue, one per request. A request
without tools (the summary step) is answered in plain content (`tests.fakes.summary`).
Faults:

    rate_limit(retry_after="0")  429 with Retry-After (seconds or an HTTP-date)
    billing_429                  429 "Prepaid Bill Overdue" (not retryable)
    server_error / unavailable   500 internal_error / 503 "Model is unavailable"
    hang(seconds)                no answer until `seconds` pass (past the client timeout)
    malformed_json               function arguments that are not JSON
    invalid_arguments            JSON arguments missing the required `summary`
    cut_stream                   SSE that stops without `data: [DONE]`
    sse_error                    partial SSE, then `data: {"error": …data_inspection_failed}`
    length                       finish_reason "length"
    content_filter               finish_reason "content_filter" (plain answers)
    bad_citations                pages outside the chunk, quotes that are on no page
"""

from __future__ import annotations

import json
import sys
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.dashscope_answer import generate, user_texts
from tests.fakes.dashscope_checks import check_request, error_body
from tests.fakes.summary import plain_summary

API_KEY = "sk-fake-dashscope"
PREFIX = "/compatible-mode/v1"


@dataclass
class Fault:
    kind: str
    retry_after: str = "0"
    seconds: float = 1.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeDashScope:
    api_key: str = API_KEY
    requests: list[Received] = field(default_factory=list)
    faults: deque[Fault] = field(default_factory=deque)
    prefixes: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)
    base_url: str = ""
    raw_audio: bool = False  # speak OpenAI's dialect: input_audio.data as raw base64

    def enqueue_fault(self, kind: str, **params: Any) -> None:
        self.faults.append(Fault(kind, **params))

    def next_fault(self) -> Fault | None:
        return self.faults.popleft() if self.faults else None

    def cached_tokens(self, body: dict[str, Any]) -> int:
        """Implicit cache: the stable prefix (system, instructions, tools) seen before."""
        messages = body.get("messages") or [{}]
        user = messages[1].get("content") if len(messages) > 1 else None
        first = user[0] if isinstance(user, list) and user else user
        prefix = json.dumps([body.get("model"), messages[0], first, body.get("tools")])
        if prefix in self.prefixes:
            return len(prefix) // 4
        self.prefixes.add(prefix)
        return 0


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        fake = self.server.fake
        raw = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = json.loads(raw)
        except json.JSONDecodeError:
            body = None
        fake.requests.append(Received(self.path, headers, body))
        if self.path != f"{PREFIX}/chat/completions":
            return self._json(404, error_body("Not found", "not_found"))
        refused = check_request(headers, body, fake.api_key, raw_audio=fake.raw_audio)
        if refused is not None:
            return self._json(*refused)
        fault = fake.next_fault()
        if fault is not None and self._http_fault(fault):
            return
        self._answer(body, fault)

    def _http_fault(self, fault: Fault) -> bool:
        kind = fault.kind
        if kind == "rate_limit":
            body = error_body("Requests rate limit exceeded", "limit_requests")
            self._json(429, body, {"Retry-After": fault.retry_after})
        elif kind == "billing_429":
            self._json(429, error_body("Prepaid Bill Overdue", "Arrearage"))
        elif kind == "server_error":
            self._json(500, error_body("An internal error has occured", "internal_error"))
        elif kind == "unavailable":
            self._json(503, error_body("Model is unavailable", "ServiceUnavailable"))
        elif kind == "hang":
            self.server.fake.release.wait(fault.seconds)
            self.close_connection = True  # the client gave up long ago; say nothing
        else:
            return False
        return True

    def _answer(self, body: dict[str, Any], fault: Fault | None) -> None:
        kind = fault.kind if fault else ""
        if not body.get("tools"):
            return self._plain(body, kind)
        schema = body["tools"][0]["function"]["parameters"]
        arguments = json.dumps(generate(schema, body, bad=kind == "bad_citations"))
        if kind == "malformed_json":
            arguments = arguments[: len(arguments) // 2] + "}}, oops"
        if kind == "invalid_arguments":
            arguments = json.dumps({"topics": "not a list"})
        usage = self._usage(body, arguments)
        finish = "length" if kind == "length" else "tool_calls"
        if body.get("stream"):
            third = max(1, len(arguments) // 3)
            pieces = [arguments[i : i + third] for i in range(0, len(arguments), third)]
            deltas = [
                {"tool_calls": [_tool_call(piece) if n == 0 else _more_arguments(piece)]}
                for n, piece in enumerate(pieces)
            ]
            return self._stream(body, deltas, finish, usage, kind)
        call = _tool_call(arguments)
        message = {"role": "assistant", "content": "", "tool_calls": [call]}
        self._complete(body, message, finish, usage)

    def _plain(self, body: dict[str, Any], kind: str) -> None:
        """A request without tools: the deterministic summary of its numbered texts."""
        text = plain_summary(user_texts(body))
        finish = {"length": "length", "content_filter": "content_filter"}.get(kind, "stop")
        if kind == "length":
            text = text[: len(text) // 2]
        usage = self._usage(body, text)
        if body.get("stream"):
            half = max(1, len(text) // 2)
            deltas = [{"content": text[i : i + half]} for i in range(0, len(text), half)]
            return self._stream(body, deltas, finish, usage, kind)
        self._complete(body, {"role": "assistant", "content": text}, finish, usage)

    def _usage(self, body: dict[str, Any], answer: str) -> dict[str, Any]:
        prompt_tokens, completion_tokens = len(json.dumps(body)) // 4, len(answer) // 4
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": self.server.fake.cached_tokens(body)},
        }

    def _complete(
        self, body: dict[str, Any], message: dict[str, Any], finish: str, usage: dict[str, Any]
    ) -> None:
        choice = {"index": 0, "finish_reason": finish, "message": message, "logprobs": None}
        self._json(200, {**_envelope(body, "chat.completion"), "choices": [choice], "usage": usage})

    def _stream(
        self,
        body: dict[str, Any],
        deltas: list[dict[str, Any]],
        finish: str,
        usage: dict[str, Any],
        kind: str,
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        events: list[dict[str, Any] | str] = [_delta(body, {"role": "assistant", "content": ""})]
        events += [_delta(body, delta) for delta in deltas]
        if kind == "cut_stream":
            events = events[:2]
        elif kind == "sse_error":
            err = error_body(
                "Output data may contain inappropriate content.", "data_inspection_failed"
            )
            events = [*events[:2], err]
        else:
            events.append(_delta(body, {}, finish))
            if (body.get("stream_options") or {}).get("include_usage"):
                events.append(
                    {**_envelope(body, "chat.completion.chunk"), "choices": [], "usage": usage}
                )
            events.append("[DONE]")
        for event in events:
            data = event if isinstance(event, str) else json.dumps(event)
            self.wfile.write(f"data: {data}\n\n".encode())
            self.wfile.flush()
        self.close_connection = True

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def _envelope(body: dict[str, Any], kind: str) -> dict[str, Any]:
    return {"id": "chatcmpl-fake-1", "object": kind, "created": 1770285809, "model": body["model"]}


def _tool_call(arguments: str) -> dict[str, Any]:
    function = {"name": "record_findings", "arguments": arguments}
    return {"index": 0, "id": "call_fake_1", "type": "function", "function": function}


def _more_arguments(piece: str) -> dict[str, Any]:
    return {"index": 0, "function": {"arguments": piece}}


def _delta(
    body: dict[str, Any], delta: dict[str, Any], finish: str | None = None
) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {**_envelope(body, "chat.completion.chunk"), "choices": [choice], "usage": None}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeDashScope

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timeouts, cut streams) is expected; anything else is not."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def running(api_key: str = API_KEY) -> Iterator[FakeDashScope]:
    """Serve on an ephemeral loopback port for the duration of the block."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = FakeDashScope(api_key=api_key)
    server.fake.base_url = f"http://127.0.0.1:{server.server_address[1]}{PREFIX}"
    thread = threading.Thread(
        target=server.serve_forever, args=(0.02,), name="fake-dashscope", daemon=True
    )
    thread.start()
    try:
        yield server.fake
    finally:
        server.fake.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
