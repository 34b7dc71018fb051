"""Gemini's File API for media above the inline limit: resumable upload, poll, delete.

The upload is the protocol the official SDK speaks (`shared/PROVIDERS.md` §B4): a `start`
request announcing size and type returns the session URL in `X-Goog-Upload-URL`; the bytes
follow in chunks (`upload`, the last one `upload, finalize`) at explicit offsets; the file
is then polled until ACTIVE (FAILED is a rejection). If the start response names an
`X-Goog-Upload-Chunk-Granularity`, chunks are rounded down to a multiple of it [U: seen in
Google's resumable protocol, not in the Gemini docs].

Uploads are cached per local path for the life of the provider, so the chunks (and repair
attempts) that reference one file upload it once; `videoMetadata` offsets then pick each
chunk's stretch. Files are deleted when the cache is closed, when it grows past
`max_cached_bytes` (oldest first), and at once when processing fails.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx

from providers.errors import ProviderRejected, ProviderUnavailable
from providers.gemini_wire import FileRef, gemini_errors, gemini_mime
from providers.httpclient import guard_url, raise_for_status
from providers.retry import with_retries

__all__ = ["FileCache", "UploadSettings"]

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class UploadSettings:
    chunk_bytes: int = 8 * 1024 * 1024  # the SDK's chunk size
    poll_interval_s: float = 1.0
    processing_timeout_s: float = 600.0
    max_cached_bytes: int = 2 * 1024**3


@dataclass
class _Entry:
    name: str  # "files/abc123"
    ref: FileRef
    size: int


class FileCache:
    """Uploaded files by local path; `acquire` uploads once, `aclose` deletes them all."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        base_url: str,
        headers: dict[str, str],
        *,
        provider: str,
        settings: UploadSettings,
        timeout: httpx.Timeout | None = None,
        retry: Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]] | None = None,
    ) -> None:
        self._client = client
        self._base = base_url.rstrip("/")
        self._headers = headers
        self._provider = provider
        self.settings = settings
        self._timeout = timeout
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._locks: dict[str, asyncio.Lock] = {}
        self._retry = retry or (lambda call: with_retries(call, provider=provider))

    @property
    def cached(self) -> list[str]:
        return [entry.name for entry in self._entries.values()]

    async def acquire(self, path: str, mime: str | None, origin_s: float, chunk: int) -> FileRef:
        """The ACTIVE file holding `path`, uploading it the first time."""
        lock = self._locks.setdefault(path, asyncio.Lock())
        async with lock:
            if (entry := self._entries.get(path)) is not None:
                self._entries.move_to_end(path)
                return entry.ref
            size = os.path.getsize(path)
            await self._make_room(size)
            name, uri = await self._retry(
                lambda: self._upload(path, gemini_mime(mime), size, chunk)
            )
            try:
                await self._wait_active(name, chunk)
            except BaseException:
                await self._delete(name)
                raise
            ref = FileRef(uri=uri, mime=gemini_mime(mime), origin_s=origin_s)
            self._entries[path] = _Entry(name, ref, size)
            return ref

    async def forget(self, path: str) -> None:
        """Delete the upload of `path` now (e.g. after its only use)."""
        entry = self._entries.pop(path, None)
        if entry is not None:
            await self._delete(entry.name)

    async def aclose(self) -> None:
        for path in list(self._entries):
            await self.forget(path)

    async def _make_room(self, incoming: int) -> None:
        held = sum(e.size for e in self._entries.values())
        while self._entries and held + incoming > self.settings.max_cached_bytes:
            path, entry = next(iter(self._entries.items()))
            held -= entry.size
            await self.forget(path)

    async def _upload(self, path: str, mime: str, size: int, chunk: int) -> tuple[str, str]:
        """One whole resumable session: start, the byte chunks, finalize. (name, uri)."""
        url = f"{self._base}/upload/v1beta/files"
        start_headers = {
            **self._headers,
            "X-Goog-Upload-Protocol": "resumable",
            "X-Goog-Upload-Command": "start",
            "X-Goog-Upload-Header-Content-Length": str(size),
            "X-Goog-Upload-Header-Content-Type": mime,
        }
        body = {"file": {"displayName": Path(path).name[:512]}}
        start = await self._send("POST", url, chunk, headers=start_headers, json=body)
        session = start.headers.get("x-goog-upload-url")
        if not session:
            raise ProviderUnavailable(
                "upload start answered without X-Goog-Upload-URL",
                provider=self._provider,
                chunk_index=chunk,
                reason="server_error",
            )
        step = self._chunk_size(start.headers.get("x-goog-upload-chunk-granularity"))
        final = await self._send_bytes(session, path, size, step, chunk)
        file = final.json().get("file") or {}
        return str(file["name"]), str(file["uri"])

    def _chunk_size(self, granularity: str | None) -> int:
        step = self.settings.chunk_bytes
        if granularity and granularity.isdigit() and int(granularity) > 0:
            step = max(int(granularity), step - step % int(granularity))
        return step

    async def _send_bytes(
        self, session: str, path: str, size: int, step: int, chunk: int
    ) -> httpx.Response:
        offset = 0
        with open(path, "rb") as stream:
            while True:
                data = stream.read(step)
                last = offset + len(data) >= size
                headers = {
                    **self._headers,
                    "X-Goog-Upload-Command": "upload, finalize" if last else "upload",
                    "X-Goog-Upload-Offset": str(offset),
                }
                response = await self._send("POST", session, chunk, headers=headers, content=data)
                status = response.headers.get("x-goog-upload-status", "")
                if last:
                    if status != "final":
                        raise self._unavailable(f"upload not final (status {status!r})", chunk)
                    return response
                if status != "active":
                    raise self._unavailable(f"upload session is {status!r}", chunk)
                offset += len(data)

    async def _wait_active(self, name: str, chunk: int) -> None:
        deadline = time.monotonic() + self.settings.processing_timeout_s
        url = f"{self._base}/v1beta/{name}"
        while True:
            response = await self._retry(lambda: self._send("GET", url, chunk))
            file = response.json()
            state = file.get("state")
            if state == "ACTIVE":
                return
            if state == "FAILED":
                error = (file.get("error") or {}).get("message", "no reason given")
                raise ProviderRejected(
                    f"file {name} failed processing: {error}",
                    provider=self._provider,
                    chunk_index=chunk,
                    reason="file_failed",
                )
            if time.monotonic() > deadline:
                raise self._unavailable(
                    f"file {name} still {state} after processing timeout", chunk
                )
            await asyncio.sleep(self.settings.poll_interval_s)

    async def _delete(self, name: str) -> None:
        """Best effort: a file left behind expires after 48 h; a failed delete is logged."""
        url = f"{self._base}/v1beta/{name}"
        try:
            await self._retry(lambda: self._send("DELETE", url, None))
        except (ProviderUnavailable, ProviderRejected) as exc:
            log.warning("%s: could not delete %s: %s", self._provider, name, exc)

    async def _send(
        self, method: str, url: str, chunk: int | None, **kwargs: Any
    ) -> httpx.Response:
        guard_url(url, provider=self._provider)
        kwargs.setdefault("headers", self._headers)
        if self._timeout is not None:
            kwargs["timeout"] = self._timeout
        with gemini_errors(self._provider, chunk):
            response = await self._client.request(method, url, **kwargs)
            await raise_for_status(response)
        return response

    def _unavailable(self, message: str, chunk: int) -> ProviderUnavailable:
        return ProviderUnavailable(
            message, provider=self._provider, chunk_index=chunk, reason="server_error"
        )
