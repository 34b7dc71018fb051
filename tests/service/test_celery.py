"""Distributed mode for real: Redis, `longform worker` subprocesses, a shared store.

No eager mode: the API only enqueues job IDs on Redis and a separate worker process runs
them. Redis must be running (scripts/services.sh starts it); if it is not, these tests fail.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import redis

from fixtures.pdfgen import long_document_pages, make_text_pdf
from longform.config import Settings
from providers.base import Provider
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf
from tests.service.test_loopback_server import _done_chunks, _free_port, _indices, _job, serve

BROKER = "redis://127.0.0.1:6379/11"  # a database of its own, flushed before and after


@pytest.fixture
def broker() -> Iterator[str]:
    client = redis.Redis.from_url(BROKER)
    try:
        client.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is not running on 127.0.0.1:6379 (run scripts/services.sh): {exc}")
    client.flushdb()
    yield BROKER
    client.flushdb()
    client.close()


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LONGFORM_")}
    env.update({"LONGFORM_DATA_DIR": str(data_dir), "LONGFORM_LOCAL_WORKERS": "1", **extra})
    return env


@contextmanager
def worker(data_dir: Path, name: str, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    log = (data_dir.parent / f"worker-{name}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "longform", "worker", "--concurrency", "1"],
        env=_env(data_dir, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes its analysis process too
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        log.close()


@pytest.mark.anyio
async def test_api_enqueues_and_a_worker_process_runs_the_job(
    tmp_path: Path, providers: dict[str, Provider], broker: str
) -> None:
    data_dir = tmp_path / "data"
    settings = Settings(data_dir=data_dir, broker_url=broker, local_workers=1)
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(settings, providers) as (client, services):
        with worker(data_dir, "a", LONGFORM_BROKER_URL=broker) as process:
            job_id = (await upload(client, pdf, filename="contract.pdf")).json()["id"]
            job = await wait_for(client, job_id, timeout=120)
            assert process.poll() is None
        assert job["status"] == "succeeded", job
        assert job["progress"]["chunks_done"] == job["progress"]["chunks_total"] > 0
        report = (await client.get(f"/v1/jobs/{job_id}/report")).json()
        events = (await client.get(f"/v1/jobs/{job_id}/events")).text
    assert report["source"]["filename"] == "contract.pdf"
    assert report["coverage"]["analyzed"] == [{"page_start": 1, "page_end": 6}]
    # The worker process ran it, not this one.
    assert f'"worker": "{services.worker_id}"' not in events
    assert f":{process.pid}:" in events


def test_job_survives_worker_kill_and_finishes_on_another_worker(
    tmp_path: Path, broker: str
) -> None:
    pdf = make_text_pdf(tmp_path / "long.pdf", long_document_pages(48, seed=7))
    data_dir = tmp_path / "data"
    port = _free_port()
    settings = {
        "LONGFORM_BROKER_URL": broker,
        "LONGFORM_BROKER_VISIBILITY_TIMEOUT": "5",  # a dead worker's job comes back quickly
        "LONGFORM_CHUNK_MAX_PAGES": "2",
        "LONGFORM_CHUNK_OVERLAP_PAGES": "0",
        "LONGFORM_CHUNK_CONCURRENCY": "1",
    }
    with serve(data_dir, port, **settings):
        with worker(data_dir, "first", **settings) as first:
            with pdf.open("rb") as handle:
                created = httpx.post(f"http://127.0.0.1:{port}/v1/jobs", files={"file": handle})
            job_id = created.json()["id"]
            deadline = time.monotonic() + 120
            while _job(port, job_id)["progress"]["chunks_done"] < 3:
                assert time.monotonic() < deadline, "no progress before the kill"
                time.sleep(0.05)
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        interrupted_at = _done_chunks(data_dir, job_id)
        assert 0 < interrupted_at < 24, "the kill must land mid-job"
        assert _job(port, job_id)["status"] == "running"

        with worker(data_dir, "second", **settings) as second:
            deadline = time.monotonic() + 240
            while (job := _job(port, job_id))["status"] not in ("succeeded", "partial", "failed"):
                assert time.monotonic() < deadline, job
                time.sleep(0.2)
            assert second.poll() is None
        assert job["status"] == "succeeded", job
        assert job["progress"] == {"chunks_total": 24, "chunks_done": 24, "chunks_failed": 0}
        stream = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/events", timeout=30)
        report = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/report").json()

    indices = Counter(_indices(stream.text))
    assert sorted(indices) == list(range(24)) and set(indices.values()) == {1}
    assert "event: resumed" in stream.text
    assert f":{second.pid}:" in stream.text  # the second worker resumed it
    assert stream.text.count("event: report.written") == 1
    assert report["coverage"]["gaps"] == []
    assert report["coverage"]["analyzed"] == [{"page_start": 1, "page_end": 48}]


def test_worker_refuses_without_a_broker(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "longform", "worker"],
        env=_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "LONGFORM_BROKER_URL is not set" in done.stderr
