"""Distributed mode for real: Redis, `longform worker` subprocesses, a shared store.

No eager mode: the API only enqueues job IDs on Redis and a separate worker process runs
them. Redis must be running (scripts/services.sh starts it); if it is not, these tests fail.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis

from fixtures.pdfgen import long_document_pages, make_text_pdf
from longform.config import Settings
from providers.base import Provider
from tests.service.helpers import api_client, upload, wait_for
from tests.service.processes import (
    await_terminal,
    child_env,
    chunk_done_indices,
    done_chunks,
    free_port,
    job,
    kill,
    serve,
    submit_and_await_progress,
    worker,
)
from tests.service.sample import make_sample_pdf

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
    port = free_port()
    settings = {
        "LONGFORM_BROKER_URL": broker,
        "LONGFORM_BROKER_VISIBILITY_TIMEOUT": "5",  # a dead worker's job comes back quickly
        "LONGFORM_CHUNK_MAX_PAGES": "2",
        "LONGFORM_CHUNK_OVERLAP_PAGES": "0",
        "LONGFORM_CHUNK_CONCURRENCY": "1",
    }
    with serve(data_dir, port, **settings):
        with worker(data_dir, "first", **settings) as first:
            job_id = submit_and_await_progress(port, pdf)
            kill(first)
        interrupted_at = done_chunks(data_dir, job_id)
        assert 0 < interrupted_at < 24, "the kill must land mid-job"
        assert job(port, job_id)["status"] == "running"

        with worker(data_dir, "second", **settings) as second:
            finished = await_terminal(port, job_id)
            assert second.poll() is None
        assert finished["status"] == "succeeded", finished
        assert finished["progress"] == {"chunks_total": 24, "chunks_done": 24, "chunks_failed": 0}
        stream = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/events", timeout=30)
        report = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/report").json()

    indices = Counter(chunk_done_indices(stream.text))
    assert sorted(indices) == list(range(24)) and set(indices.values()) == {1}
    assert "event: resumed" in stream.text
    assert f":{second.pid}:" in stream.text  # the second worker resumed it
    assert stream.text.count("event: report.written") == 1
    assert report["coverage"]["gaps"] == []
    assert report["coverage"]["analyzed"] == [{"page_start": 1, "page_end": 48}]


def test_worker_refuses_without_a_broker(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "longform", "worker"],
        env=child_env(tmp_path / "data"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "LONGFORM_BROKER_URL is not set" in done.stderr
