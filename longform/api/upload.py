"""Stream a multipart upload straight into the blob store while hashing.

Starlette's `UploadFile` spools to a temporary file and is then copied; here the raw
request stream feeds python-multipart's low-level parser, whose callbacks write the `file`
part to its final place in one pass. Memory stays flat whatever the size.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from dataclasses import dataclass, field

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

from longform.api.errors import ApiError
from longform.blobs import BlobStore, SourceWriter

_MAX_OPTIONS_BYTES = 64 * 1024


@dataclass
class ReceivedUpload:
    filename: str
    sha256: str
    size: int
    head: bytes
    options: bytes


@dataclass
class _PartState:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    header_field: bytes = b""
    header_value: bytes = b""
    name: str = ""
    filename: str | None = None


class _Receiver:
    def __init__(self, blobs: BlobStore, max_bytes: int) -> None:
        self.blobs = blobs
        self.max_bytes = max_bytes
        self.part = _PartState()
        self.writer: SourceWriter | None = None
        self.filename = ""
        self.options = bytearray()
        self.error: ApiError | None = None
        self.received = 0  # bytes of the file part seen so far
        self.pending = bytearray()  # file bytes parsed but not yet handed to the writer

    def callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
        }

    def _part_begin(self) -> None:
        self.part = _PartState()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self.part.header_field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self.part.header_value += data[start:end]

    def _header_end(self) -> None:
        self.part.headers[self.part.header_field.lower()] = self.part.header_value
        self.part.header_field = b""
        self.part.header_value = b""

    def _headers_finished(self) -> None:
        _, params = parse_options_header(self.part.headers.get(b"content-disposition", b""))
        self.part.name = params.get(b"name", b"").decode("utf-8", "replace")
        raw_filename = params.get(b"filename")
        self.part.filename = raw_filename.decode("utf-8", "replace") if raw_filename else None
        if self.part.name == "file":
            if self.writer is not None:
                self.error = ApiError(400, "too_many_files", "send exactly one 'file' part")
                return
            self.writer = self.blobs.writer()
            self.filename = safe_filename(self.part.filename or "upload")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self.error is not None:
            return
        if self.part.name == "file" and self.writer is not None:
            self.received += end - start
            if self.received > self.max_bytes:
                self.error = ApiError(
                    413, "file_too_large", f"the upload exceeds the limit of {self.max_bytes} bytes"
                )
                return
            self.pending += memoryview(data)[start:end]
        elif self.part.name == "options":
            self.options += data[start:end]
            if len(self.options) > _MAX_OPTIONS_BYTES:
                self.error = ApiError(400, "invalid_options", "options must be under 64 KiB")


def safe_filename(name: str) -> str:
    """Keep the base name only, without control characters or path tricks."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".")
    return base[:255] or "upload"


class _BackgroundWriter:
    """Hashes and writes on a worker thread, one block in flight, while the loop keeps reading.

    hashlib and file writes release the GIL, so this frees the event loop for other requests
    and lets hashing/writing overlap with receiving. At most two blocks are held in memory.
    """

    BLOCK = 1 << 20

    def __init__(self) -> None:
        self._in_flight: asyncio.Future[None] | None = None

    async def hand_over(self, receiver: _Receiver, *, final: bool = False) -> None:
        if receiver.writer is None or (len(receiver.pending) < self.BLOCK and not final):
            return
        await self.wait()
        block, receiver.pending = receiver.pending, bytearray()  # hand over, no copy
        if block:
            self._in_flight = asyncio.ensure_future(asyncio.to_thread(receiver.writer.write, block))
        if final:
            await self.wait()

    async def wait(self) -> None:
        if self._in_flight is not None:
            in_flight, self._in_flight = self._in_flight, None
            await in_flight


async def receive_upload(request: Request, blobs: BlobStore, max_bytes: int) -> ReceivedUpload:
    content_type, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise ApiError(415, "expected_multipart", "send the file as multipart/form-data 'file'")
    receiver = _Receiver(blobs, max_bytes)
    parser = MultipartParser(boundary, receiver.callbacks())  # type: ignore[arg-type]
    background = _BackgroundWriter()
    try:
        async for data in request.stream():
            parser.write(data)
            if receiver.error is not None:
                raise receiver.error
            await background.hand_over(receiver)
        parser.finalize()
        await background.hand_over(receiver, final=True)
    except MultipartParseError as exc:
        await _abandon(background, receiver)
        raise ApiError(
            400, "malformed_multipart", f"the multipart body is malformed: {exc}"
        ) from exc
    except BaseException:
        await _abandon(background, receiver)
        raise
    if receiver.writer is None:
        raise ApiError(400, "missing_file", "the form has no 'file' part")
    writer = receiver.writer
    sha256 = await asyncio.to_thread(writer.commit)  # an object store uploads it here
    return ReceivedUpload(
        receiver.filename, sha256, writer.size, writer.head, bytes(receiver.options)
    )


async def _abandon(background: _BackgroundWriter, receiver: _Receiver) -> None:
    # The upload is being refused anyway; the first error is the one to tell.
    with contextlib.suppress(Exception):
        await background.wait()
    if receiver.writer is not None:
        receiver.writer.abort()
