"""The blob store on any S3-compatible object store (AWS S3, MinIO, Ceph, R2, ...).

The bucket mirrors the local blob folder under `LONGFORM_BLOB_URL=s3://bucket/prefix`:
`prefix/sources/ab/<sha256>` for uploads (content-addressed, stored once) and
`prefix/objects/<key>` for derived artefacts, so `aws s3 sync BLOBS s3://bucket/prefix`
moves a local store over as is.

Ingest and providers read local files, so this machine keeps a cache under
`LONGFORM_DATA_DIR/blob-cache` with the same layout: an upload is streamed there while
hashing and then sent to the bucket; `source_path()` and `local_path()` download a blob on
first use, which is what lets any worker machine pick up any job. Cached files are only ever
written whole (temp file + rename), and every key is written with the same bytes each time,
so a cached copy never goes stale.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from longform.blobs import BlobStoreUnavailable, SourceWriter

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client

_DELETE_BATCH = 1000  # the most keys one DeleteObjects call takes
_NOT_FOUND = {"404", "NoSuchKey", "NotFound"}


class S3BlobStore:
    def __init__(
        self,
        bucket: str,
        prefix: str,
        cache_dir: Path,
        *,
        endpoint_url: str | None = None,
        multipart_threshold: int = 8 * 1024**2,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.cache = cache_dir.resolve()
        self.cache.mkdir(parents=True, exist_ok=True)
        self._where = f"s3://{bucket}/{self.prefix}" + (
            f" at {endpoint_url}" if endpoint_url else ""
        )
        options: dict[str, object] = {}
        if endpoint_url:
            # Other S3 implementations: path-style URLs (no per-bucket DNS names), and checksums
            # only where S3 requires them (botocore's default CRC headers trip some of them).
            options = {
                "s3": {"addressing_style": "path"},
                "request_checksum_calculation": "when_required",
                "response_checksum_validation": "when_required",
            }
        config = Config(
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 5, "mode": "standard"},
            max_pool_connections=32,
            **options,  # type: ignore[arg-type]
        )
        # Credentials and region: the standard AWS chain (environment, profile, instance role).
        session = boto3.session.Session()
        self._client: S3Client = session.client("s3", endpoint_url=endpoint_url, config=config)
        # Multipart above the threshold; s3transfer grows the part size for huge files so a
        # file never needs more than S3's 10,000 parts.
        self._transfer = TransferConfig(
            multipart_threshold=multipart_threshold,
            multipart_chunksize=max(multipart_threshold, 5 * 1024**2),
            max_concurrency=4,
        )

    # ------------------------------------------------------------------ readiness

    def check(self) -> None:
        """Raise `BlobStoreUnavailable` with a clear reason unless the bucket answers."""
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except NoCredentialsError as exc:
            raise BlobStoreUnavailable(
                f"no AWS credentials for {self._where}: set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or give the machine a role"
            ) from exc
        except ClientError as exc:
            code = _code(exc)
            if code in ("404", "NoSuchBucket", "NotFound"):
                message = f"the bucket of {self._where} does not exist"
            elif code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                message = (
                    f"access to {self._where} was denied: check the AWS credentials "
                    "and the bucket's policy"
                )
            else:
                message = f"{self._where} answered {code}: {exc}"
            raise BlobStoreUnavailable(message) from exc
        except BotoCoreError as exc:  # unreachable endpoint, bad URL, partial credentials
            raise BlobStoreUnavailable(f"cannot use {self._where}: {exc}") from exc

    # ------------------------------------------------------------------ sources

    def writer(self) -> SourceWriter:
        return _S3SourceWriter(self)

    def source_path(self, sha256: str) -> Path:
        """A local copy of the source, downloaded first if this machine has none."""
        if len(sha256) != 64 or not all(c in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        path = self.cache / _source_rel(sha256)
        if not path.exists():
            self._download(self._source_key(sha256), path)
        return path

    def delete_source(self, sha256: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._source_key(sha256))
        (self.cache / _source_rel(sha256)).unlink(missing_ok=True)

    def _upload_source(self, sha256: str, path: Path) -> None:
        key = self._source_key(sha256)
        if self._head(key):  # the same file was uploaded before: stored once
            return
        self._client.upload_file(str(path), self.bucket, key, Config=self._transfer)

    def _source_key(self, sha256: str) -> str:
        return self._full(_source_rel(sha256))

    # ------------------------------------------------------------------ keyed objects

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._object_key(key), Body=data)
        # A cached copy from an earlier write has the same bytes (keys are derived, writes
        # idempotent), but drop it anyway: `get` reads the bucket, never the cache.
        self._cached(key).unlink(missing_ok=True)

    def put_file(self, key: str, source: Path) -> None:
        """Upload a finished local file; it then becomes this machine's cached copy."""
        self._client.upload_file(
            str(source), self.bucket, self._object_key(key), Config=self._transfer
        )
        cached = self._cached(key)
        cached.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, cached)  # the caller reads it back through local_path()
        except OSError:  # another filesystem: the bucket has it, a download refills the cache
            source.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path:
        path = self._cached(key)
        if not path.exists():
            self._download(self._object_key(key), path)
        return path

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._object_key(key))
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise FileNotFoundError(f"no blob {key!r} in {self._where}") from exc
            raise
        with contextlib.closing(response["Body"]) as body:
            return body.read()

    def exists(self, key: str) -> bool:
        return self._head(self._object_key(key))

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=self._object_key(key))
        self._cached(key).unlink(missing_ok=True)

    def delete_prefix(self, prefix: str) -> None:
        """Delete every object under the folder `prefix` (list, then batch delete)."""
        folder = self._object_key(prefix.rstrip("/")) + "/"
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=folder
        )
        batch: list[str] = []
        for page in pages:
            for item in page.get("Contents", []):
                batch.append(item["Key"])
                if len(batch) == _DELETE_BATCH:
                    self._delete_keys(batch)
                    batch = []
        if batch:
            self._delete_keys(batch)
        shutil.rmtree(self._cached(prefix.rstrip("/")), ignore_errors=True)

    def _delete_keys(self, keys: list[str]) -> None:
        response = self._client.delete_objects(
            Bucket=self.bucket,
            Delete={"Objects": [{"Key": k} for k in keys], "Quiet": True},
        )
        errors = response.get("Errors", [])
        if errors:
            first = errors[0]
            raise OSError(
                f"{len(errors)} objects in {self._where} were not deleted, e.g. "
                f"{first.get('Key')!r}: {first.get('Code')} {first.get('Message')}"
            )

    # ------------------------------------------------------------------ helpers

    def _full(self, rel: str) -> str:
        return f"{self.prefix}/{rel}" if self.prefix else rel

    def _object_key(self, key: str) -> str:
        return self._full(f"objects/{_checked(key)}")

    def _cached(self, key: str) -> Path:
        return self.cache / "objects" / _checked(key)

    def _head(self, s3_key: str) -> bool:
        try:
            self._client.head_object(Bucket=self.bucket, Key=s3_key)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                return False
            raise
        return True

    def _download(self, s3_key: str, target: Path) -> None:
        """Fetch an object into the cache whole: readers never see half a file."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        os.close(fd)
        tmp = Path(name)
        try:
            self._client.download_file(self.bucket, s3_key, str(tmp), Config=self._transfer)
            os.replace(tmp, target)
        except ClientError as exc:
            if _code(exc) in _NOT_FOUND:
                raise FileNotFoundError(f"no blob {s3_key!r} in s3://{self.bucket}") from exc
            raise
        finally:
            tmp.unlink(missing_ok=True)


class _S3SourceWriter(SourceWriter):
    """Streams to a temp file in the cache while hashing (flat memory); `commit()` files it
    in the cache under its hash and uploads it (multipart when large) unless the bucket
    already has it."""

    def __init__(self, store: S3BlobStore) -> None:
        super().__init__(store.cache)
        self._store = store

    def commit(self) -> str:
        digest = super().commit()
        self._store._upload_source(digest, self._store.cache / _source_rel(digest))
        return digest


def _source_rel(sha256: str) -> str:
    return f"sources/{sha256[:2]}/{sha256}"


def _checked(key: str) -> str:
    """A key is a relative path of plain names: it maps onto a cache path too."""
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts) or "\\" in key:
        raise ValueError(f"blob key escapes the store: {key!r}")
    return key


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
