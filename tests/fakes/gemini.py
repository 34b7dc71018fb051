"""A loopback Gemini API (v1beta) for contract tests: a real HTTP server on 127.0.0.1.

It speaks the wire format of `shared/PROVIDERS.md` §B: `x-goog-api-key` auth,
`/v1beta/models/{model}:generateContent`, the resumable upload on `/upload/v1beta/files`
(start → upload … → upload, finalize, with offsets and chunk granularity checked), and
`/v1beta/files/{id}` GET (PROCESSING → ACTIVE after `processing_polls` polls) and DELETE.
Requests are checked the way the real service refuses them (`gemini_checks`), answers are
built from the schema the request carried and cite its own text (`gemini_answer`), a plain
summary request (no schema) gets the deterministic summary of `tests.fakes.summary`, and
`enqueue_fault` makes the next matching request fail in one of the documented ways.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.gemini_answer import AnswerBuilder, sentences
from tests.fakes.gemini_checks import ApiError, Checked, FakeFile, check_generate, invalid
from tests.fakes.gemini_replies import (
    STATUS,
    Fault,
    FaultKind,
    Target,
    error_body,
    fault_body,
    response_body,
)
from tests.fakes.summary import is_summary_request, plain_summary

__all__ = ["FakeGemini", "Fault", "FaultKind", "Received", "Target"]

_GENERATE = re.compile(r"^/v1beta/models/([\w.\-]+):generateContent$")
_FILE = re.compile(r"^/v1beta/(files/[a-z0-9-]{1,40})$")


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class _Session:
    file: FakeFile
    received: int = 0


@dataclass
class FakeGemini:
    """Start with `with FakeGemini() as fake:`; point the client at `fake.base_url`."""

    api_key: str = "test-gemini-key"
    models: frozenset[str] = frozenset({"gemini-2.5-flash", "gemini-2.5-pro"})
    inline_limit: int = 64 * 1024  # bytes of inline data per request (real: 100 MB)
    granularity: int = 1024  # non-final upload chunks must be multiples of this
    processing_polls: int = 1  # GETs a file answers PROCESSING before ACTIVE
    cache_min_tokens: int = 16  # shortest prefix the implicit cache reports (real: 1,024+)
    requests: list[Received] = field(default_factory=list)
    files: dict[str, FakeFile] = field(default_factory=dict)
    uploaded: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # bugs in the fake itself
    _faults: deque[Fault] = field(default_factory=deque)
    _sessions: dict[str, _Session] = field(default_factory=dict)
    _prefixes: set[str] = field(default_factory=set)
    _ids: itertools.count[int] = field(default_factory=itertools.count)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FakeGemini:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "use `with FakeGemini() as fake`"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def enqueue_fault(self, kind: FaultKind, *, target: Target = "generate", **opts: Any) -> None:
        """The next request to `target` (generate/upload/file) fails with `kind`."""
        self._faults.append(Fault(kind, "upload" if kind == "file_failed" else target, **opts))

    def generate_requests(self) -> list[Received]:
        return [r for r in self.requests if _GENERATE.match(r.path)]

    def _take_fault(self, target: Target) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.target == target and fault.kind != "file_failed":
                    self._faults.remove(fault)
                    return fault
        return None

    def _take_file_failed(self) -> bool:
        with self._lock:
            for fault in self._faults:
                if fault.kind == "file_failed":
                    self._faults.remove(fault)
                    return True
        return False

    # ------------------------------------------------------------------ routes

    def handle(self, req: Received) -> tuple[int, dict[str, str], Any]:
        """(status, headers, JSON body or raw bytes) for one request."""
        self.requests.append(req)
        split = urlsplit(req.path)
        if req.headers.get("x-goog-api-key") is None:
            raise ApiError(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers.")
        if req.headers["x-goog-api-key"] != self.api_key:
            raise invalid("API key not valid. Please pass a valid API key.")
        if split.path == "/upload/v1beta/files":
            return self._upload(req, parse_qs(split.query))
        if match := _GENERATE.match(split.path):
            if req.method != "POST":
                raise ApiError(405, "INVALID_ARGUMENT", "use POST")
            return self._generate(match.group(1), req)
        if match := _FILE.match(split.path):
            return self._file(req.method, match.group(1))
        raise ApiError(404, "NOT_FOUND", f"no route {req.method} {split.path}")

    def _file(self, method: str, name: str) -> tuple[int, dict[str, str], Any]:
        if fault := self._take_fault("file"):
            return self._fault_response(fault)
        found = self.files.get(name)
        if found is None:
            raise ApiError(404, "NOT_FOUND", f"File {name} not found.")
        if method == "DELETE":
            del self.files[name]
            self.deleted.append(name)
            return 200, {}, {}
        if method != "GET":
            raise ApiError(405, "INVALID_ARGUMENT", "use GET or DELETE")
        if found.state == "PROCESSING":
            if found.polls_left <= 0:
                found.state = "FAILED" if found.fail else "ACTIVE"
            found.polls_left -= 1
        return 200, {}, found.resource()

    def _upload(
        self, req: Received, query: dict[str, list[str]]
    ) -> tuple[int, dict[str, str], Any]:
        if fault := self._take_fault("upload"):
            return self._fault_response(fault)
        if req.method != "POST":
            raise ApiError(405, "INVALID_ARGUMENT", "use POST")
        if "upload_id" in query:
            return self._upload_bytes(req, query["upload_id"][0])
        return self._upload_start(req)

    def _upload_start(self, req: Received) -> tuple[int, dict[str, str], Any]:
        h = req.headers
        if h.get("x-goog-upload-protocol") != "resumable":
            raise invalid("X-Goog-Upload-Protocol must be 'resumable'")
        if h.get("x-goog-upload-command") != "start":
            raise invalid("X-Goog-Upload-Command must be 'start' to open a session")
        size, mime = (
            h.get("x-goog-upload-header-content-length"),
            h.get("x-goog-upload-header-content-type"),
        )
        if size is None or not size.isdigit() or mime is None or "/" not in mime:
            raise invalid("X-Goog-Upload-Header-Content-Length/-Type are required")
        meta = json.loads(req.body or b"{}").get("file", {})
        ident = f"fake{next(self._ids):04d}"
        name = f"files/{ident}"
        file = FakeFile(name, str(meta.get("displayName", ident)), mime, int(size),
                        f"{self.base_url}/v1beta/{name}", polls_left=self.processing_polls,
                        fail=self._take_file_failed())  # fmt: skip
        self._sessions[ident] = _Session(file)
        headers = {
            "X-Goog-Upload-URL": f"{self.base_url}/upload/v1beta/files?upload_id={ident}"
            "&upload_protocol=resumable",
            "X-Goog-Upload-Status": "active",
            "X-Goog-Upload-Chunk-Granularity": str(self.granularity),
        }
        return 200, headers, {}

    def _upload_bytes(self, req: Received, ident: str) -> tuple[int, dict[str, str], Any]:
        session = self._sessions.get(ident)
        if session is None:
            raise ApiError(404, "NOT_FOUND", "unknown upload session")
        command = [c.strip() for c in req.headers.get("x-goog-upload-command", "").split(",")]
        offset = req.headers.get("x-goog-upload-offset")
        if command not in (["upload"], ["upload", "finalize"]):
            raise invalid(f"X-Goog-Upload-Command {command} is not upload[, finalize]")
        if offset is None or int(offset) != session.received:
            raise invalid(f"X-Goog-Upload-Offset {offset} != {session.received} bytes received")
        final = command == ["upload", "finalize"]
        if not final and (not req.body or len(req.body) % self.granularity):
            raise invalid(f"a non-final chunk must be a multiple of {self.granularity} bytes")
        session.file.data += req.body
        session.received += len(req.body)
        if session.received > session.file.size:
            raise invalid("more bytes than X-Goog-Upload-Header-Content-Length")
        if not final:
            return 200, {"X-Goog-Upload-Status": "active"}, {}
        if session.received != session.file.size:
            raise invalid(f"finalized at {session.received} of {session.file.size} bytes")
        del self._sessions[ident]
        self.files[session.file.name] = session.file
        self.uploaded.append(session.file.name)
        return 200, {"X-Goog-Upload-Status": "final"}, {"file": session.file.resource()}

    def _generate(self, model: str, req: Received) -> tuple[int, dict[str, str], Any]:
        if model not in self.models:
            raise ApiError(404, "NOT_FOUND", f"models/{model} is not found for API version v1beta.")
        fault = self._take_fault("generate")
        if fault is not None and fault.kind in STATUS | {"hang": 0}:
            return self._fault_response(fault)
        if not req.headers.get("content-type", "").startswith("application/json"):
            raise invalid("generateContent takes Content-Type: application/json")
        try:
            body = json.loads(req.body)
        except ValueError as exc:
            raise invalid(f"Invalid JSON payload received. {exc}") from exc
        checked = check_generate(body, self.files, self.inline_limit)
        usage = self._usage(model, body, checked)
        text = self._answer(checked, body)
        return 200, {}, response_body(model, text, usage, fault.kind if fault else None)

    def _fault_response(self, fault: Fault) -> tuple[int, dict[str, str], Any]:
        if fault.kind == "hang":
            self._stopping.wait(fault.hang_s)
            return 503, {}, error_body(503, "UNAVAILABLE", "hung request released")
        status, code = STATUS[fault.kind]
        return status, {}, fault_body(status, code, fault.kind, fault.retry_delay)

    def _answer(self, checked: Checked, body: dict[str, Any]) -> str:
        if not checked.schema:
            return plain_summary(checked.texts) if is_summary_request(checked.texts) else "OK"
        try:
            answer = AnswerBuilder(checked.schema, sentences(checked.texts)).build()
        except Exception as exc:  # a bug in the fake: fail the test, not the client
            self.errors.append(f"{type(exc).__name__}: {exc}")
            raise ApiError(500, "INTERNAL", f"fake answer failed: {exc}") from exc
        return json.dumps(answer)

    def _usage(self, model: str, body: dict[str, Any], checked: Checked) -> dict[str, Any]:
        """Text ≈ 4 bytes a token; media at the documented rates (300/s video, 258 per image)."""
        stable = [model, body.get("systemInstruction"), body.get("generationConfig")]
        prefix = json.dumps(stable)
        prefix_tokens = math.ceil(len(prefix) / 4)
        text_tokens = math.ceil(sum(len(t) for t in checked.texts) / 4)
        media = round(checked.media_seconds * 300) + math.ceil(checked.inline_bytes / 1024) * 258
        with self._lock:
            hit = prefix in self._prefixes and prefix_tokens >= self.cache_min_tokens
            self._prefixes.add(prefix)
        prompt = prefix_tokens + text_tokens + media
        usage: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": 0}
        if hit:
            usage["cachedContentTokenCount"] = prefix_tokens
        return usage


def _handler_for(fake: FakeGemini) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            req = Received(self.command, self.path, headers, body)
            try:
                status, extra, payload = fake.handle(req)
            except ApiError as exc:
                status, extra, payload = (
                    exc.status,
                    {},
                    error_body(exc.status, exc.code, exc.message),
                )
            except Exception as exc:
                fake.errors.append(f"{type(exc).__name__}: {exc}")
                status, extra, payload = 500, {}, error_body(500, "INTERNAL", str(exc))
            raw = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            try:
                self.send_response(status)
                for key, value in extra.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)
            except OSError:  # the client gave up (timeout) and closed the socket
                self.close_connection = True

        do_GET = do_POST = do_DELETE = _serve

    return Handler
