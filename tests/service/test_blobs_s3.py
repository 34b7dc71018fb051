"""The S3 blob store against a real S3 server on loopback (moto's, in a thread).

Nothing of ours is patched: the store talks HTTP to 127.0.0.1 with the standard AWS
credential chain, set here through the environment.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import boto3
import pytest
from moto.server import ThreadedMotoServer

from longform.blobs import BlobStoreUnavailable
from longform.blobs_s3 import S3BlobStore
from longform.config import Settings
from longform.reporting import report_key
from longform.services import build_services
from providers.base import Provider
from tests.conftest import changed
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf

if TYPE_CHECKING:
    from mypy_boto3_s3.client import S3Client


@pytest.fixture(scope="module")
def s3_url() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Credentials through the standard chain; nothing from the developer's ~/.aws."""
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test-access-key")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test-secret-key")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def s3(s3_url: str, aws_env: None) -> S3Client:
    return boto3.client("s3", endpoint_url=s3_url)


@pytest.fixture
def bucket(s3: S3Client) -> str:
    name = f"longform-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def _keys(s3: S3Client, bucket: str, prefix: str = "") -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def _store(bucket: str, s3_url: str, cache: Path) -> S3BlobStore:
    store = S3BlobStore(bucket, "run1", cache, endpoint_url=s3_url)
    store.check()
    return store


def test_round_trip_of_keyed_objects(
    tmp_path: Path, s3: S3Client, bucket: str, s3_url: str
) -> None:
    store = _store(bucket, s3_url, tmp_path / "cache")
    assert not store.exists("jobs/j1/report.json")
    store.put("jobs/j1/report.json", b'{"ok": true}')
    assert store.exists("jobs/j1/report.json")
    assert store.get("jobs/j1/report.json") == b'{"ok": true}'
    assert _keys(s3, bucket) == ["run1/objects/jobs/j1/report.json"]  # the local layout

    path = store.local_path("jobs/j1/report.json")  # downloaded into the cache on first use
    assert path.read_bytes() == b'{"ok": true}'
    assert path.is_relative_to(tmp_path / "cache")

    store.delete("jobs/j1/report.json")
    store.delete("jobs/j1/report.json")  # idempotent
    assert not store.exists("jobs/j1/report.json")
    assert not path.exists()
    with pytest.raises(FileNotFoundError):
        store.get("jobs/j1/report.json")
    with pytest.raises(FileNotFoundError):
        store.local_path("jobs/j1/report.json")
    for bad in ("../escape", "/abs", "a//b", "a/./b", ""):
        with pytest.raises(ValueError, match="escapes"):
            store.put(bad, b"x")


def test_sources_are_content_addressed_multipart_and_refill_the_cache(
    tmp_path: Path, s3: S3Client, bucket: str, s3_url: str
) -> None:
    store = _store(bucket, s3_url, tmp_path / "cache")
    data = bytes(range(256)) * (12 * 4096)  # 12 MiB: above the 8 MiB multipart threshold
    digest = hashlib.sha256(data).hexdigest()
    for _ in range(2):  # the same bytes twice
        writer = store.writer()
        for start in range(0, len(data), 1 << 20):
            writer.write(data[start : start + (1 << 20)])
        assert writer.commit() == digest
    key = f"run1/sources/{digest[:2]}/{digest}"
    assert _keys(s3, bucket) == [key]  # stored once
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-2")  # a multipart upload of two parts
    assert not list((tmp_path / "cache" / "tmp").iterdir())  # no temp file left behind

    assert store.source_path(digest).read_bytes() == data  # the uploader's cached copy
    shutil.rmtree(tmp_path / "cache")
    refilled = store.source_path(digest)  # another machine, or a wiped cache: downloaded
    assert refilled.read_bytes() == data

    store.delete_source(digest)
    assert _keys(s3, bucket) == []
    assert not refilled.exists()
    with pytest.raises(FileNotFoundError):
        store.source_path(digest)


def test_put_file_and_prefix_delete(tmp_path: Path, s3: S3Client, bucket: str, s3_url: str) -> None:
    store = _store(bucket, s3_url, tmp_path / "cache")
    work = tmp_path / "work" / "seg-0001.mp4"
    work.parent.mkdir()
    work.write_bytes(b"segment bytes")
    store.put_file("jobs/j1/payloads/00001/seg-0001.mp4", work)
    assert not work.exists()  # moved: the bucket has it, the cache keeps the local copy
    local = store.local_path("jobs/j1/payloads/00001/seg-0001.mp4")
    assert local.read_bytes() == b"segment bytes"
    shutil.rmtree(tmp_path / "cache")
    assert store.local_path("jobs/j1/payloads/00001/seg-0001.mp4").read_bytes() == b"segment bytes"

    for index in range(1003):  # more than one DeleteObjects batch
        store.put(f"jobs/j1/payloads/{index:05d}.json", b"{}")
    store.put("jobs/j1/report.json", b"{}")
    store.put("jobs/j10/report.json", b"{}")  # a sibling whose name starts the same
    store.delete_prefix("jobs/j1/payloads")
    assert _keys(s3, bucket) == [
        "run1/objects/jobs/j1/report.json",
        "run1/objects/jobs/j10/report.json",
    ]
    assert not (tmp_path / "cache" / "objects" / "jobs" / "j1" / "payloads").exists()
    store.delete_prefix("jobs/j1")
    assert _keys(s3, bucket) == ["run1/objects/jobs/j10/report.json"]
    store.delete_prefix("jobs/nothing-here")  # nothing to delete is fine


def test_a_missing_bucket_fails_at_startup_and_in_readyz(
    settings: Settings, s3: S3Client, s3_url: str
) -> None:
    missing = changed(settings, blob_url="s3://no-such-bucket/x", s3_endpoint_url=s3_url)
    with pytest.raises(BlobStoreUnavailable, match=r"s3://no-such-bucket/x .*does not exist"):
        build_services(missing, providers={})
    with pytest.raises(ValueError, match="names no bucket"):
        build_services(changed(settings, blob_url="s3:///x", s3_endpoint_url=s3_url), {})


@pytest.mark.anyio
async def test_readyz_reports_a_bucket_that_went_away(
    settings: Settings, providers: dict[str, Provider], s3: S3Client, s3_url: str
) -> None:
    s3.create_bucket(Bucket="longform-vanishing")
    configured = changed(settings, blob_url="s3://longform-vanishing/p", s3_endpoint_url=s3_url)
    async with api_client(configured, providers) as (client, _services):
        assert (await client.get("/readyz")).json() == {"status": "ready"}
        s3.delete_bucket(Bucket="longform-vanishing")
        response = await client.get("/readyz")
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "not_ready"
        assert "longform-vanishing" in error["message"] and "does not exist" in error["message"]
        assert "test-secret-key" not in response.text


@pytest.mark.anyio
async def test_a_job_through_the_api_on_s3_and_a_second_machine_reads_it(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider], s3: S3Client, s3_url: str
) -> None:
    s3.create_bucket(Bucket="longform-test")
    configured = changed(settings, blob_url="s3://longform-test/run1", s3_endpoint_url=s3_url)
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(configured, providers) as (client, _services):
        created = await upload(client, pdf, "contract.pdf")
        assert created.status_code == 202, created.text
        job = await wait_for(client, created.json()["id"])
        assert job["status"] == "succeeded", job
        report = (await client.get(f"/v1/jobs/{job['id']}/report")).json()
    assert report["source"]["filename"] == "contract.pdf"
    assert report["coverage"]["gaps"] == []

    keys = _keys(s3, "longform-test")
    assert f"run1/objects/{report_key(job['id'])}" in keys
    assert f"run1/sources/{job['sha256'][:2]}/{job['sha256']}" in keys
    assert not [k for k in keys if "/payloads/" in k]  # dropped once the job succeeded
    assert not (settings.data_dir / "blobs").exists()  # nothing went to a local blob folder

    # A second machine: the same database, the same bucket, an empty data dir of its own.
    second = changed(
        configured,
        data_dir=tmp_path / "machine2",
        database_url=settings.resolved_database_url(),
    )
    async with api_client(second, providers) as (client2, services2):
        again = (await client2.get(f"/v1/jobs/{job['id']}/report")).json()
        assert again == report
        assert (
            services2.blobs.get(report_key(job["id"]))
            == s3.get_object(Bucket="longform-test", Key=f"run1/objects/{report_key(job['id'])}")[
                "Body"
            ].read()
        )
        source = services2.blobs.source_path(job["sha256"])  # what its ingest would open
        assert source.is_relative_to(tmp_path / "machine2")
        assert source.read_bytes() == pdf
