"""Blob storage: content-addressed source files and keyed derived artefacts.

Sources are stored under their SHA-256 (`sources/ab/abcdef...`), so the same file uploaded
twice is stored once. Derived artefacts (chunk payloads, reports) live under keys the
pipeline derives from job and chunk ids, which makes every write idempotent.
`LocalBlobStore` keeps them in a folder; `longform.blobs_s3.S3BlobStore` in an S3-compatible
bucket, with the same layout.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol


class BlobStoreUnavailable(RuntimeError):
    """The blob store cannot be used (missing bucket, bad credentials, unwritable folder)."""


class BlobStore(Protocol):
    def check(self) -> None: ...
    def writer(self) -> SourceWriter: ...
    def source_path(self, sha256: str) -> Path: ...
    def put(self, key: str, data: bytes) -> None: ...
    def put_file(self, key: str, source: Path) -> None: ...
    def local_path(self, key: str) -> Path: ...
    def get(self, key: str) -> bytes: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def delete_prefix(self, prefix: str) -> None: ...
    def delete_source(self, sha256: str) -> None: ...


class SourceWriter:
    """Streams bytes to a temporary file while hashing; `commit()` files it under its hash."""

    def __init__(self, root: Path) -> None:
        self._root = root
        tmp_dir = root / "tmp"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
        self._tmp = Path(name)
        self._file: BinaryIO = os.fdopen(fd, "wb", buffering=0)
        self._hash = hashlib.sha256()
        self.size = 0
        self.head = b""  # first bytes, for sniffing the type

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if len(self.head) < 4096:
            self.head += bytes(data[: 4096 - len(self.head)])
        self._hash.update(data)
        self._file.write(data)
        self.size += len(data)

    def commit(self) -> str:
        self._file.close()
        digest = self._hash.hexdigest()
        target = _source_path(self._root, digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(self._tmp, target)
        return digest

    def abort(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)


def _source_path(root: Path, sha256: str) -> Path:
    return root / "sources" / sha256[:2] / sha256


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def check(self) -> None:
        if not (self.root.is_dir() and os.access(self.root, os.W_OK | os.X_OK)):
            raise BlobStoreUnavailable(f"the blob folder {self.root} is missing or not writable")

    def writer(self) -> SourceWriter:
        return SourceWriter(self.root)

    def source_path(self, sha256: str) -> Path:
        return _source_path(self.root, sha256)

    def _key_path(self, key: str) -> Path:
        path = (self.root / "objects" / key).resolve()
        if not path.is_relative_to(self.root / "objects"):
            raise ValueError(f"blob key escapes the store: {key!r}")
        return path

    def put(self, key: str, data: bytes) -> None:
        path = self._key_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, path)  # readers never see a half-written blob

    def put_file(self, key: str, source: Path) -> None:
        """Move a finished local file (e.g. an ingest work file) under `key`."""
        path = self._key_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, path)
        except OSError:  # another filesystem: copy, then drop the original
            tmp = path.with_name(path.name + ".part")
            shutil.copyfile(source, tmp)
            os.replace(tmp, path)
            source.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        """A local file with the blob's bytes (here: the blob itself)."""
        return self._key_path(key)

    def get(self, key: str) -> bytes:
        return self._key_path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self._key_path(key).exists()

    def delete(self, key: str) -> None:
        self._key_path(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        shutil.rmtree(self._key_path(prefix), ignore_errors=True)

    def delete_source(self, sha256: str) -> None:
        self.source_path(sha256).unlink(missing_ok=True)
