"""A real `longform serve` on loopback: `longform submit`, and kill -9 / restart durability."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from fixtures.pdfgen import long_document_pages, make_text_pdf
from tests.service.sample import make_sample_pdf


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LONGFORM_")}
    env.update({"LONGFORM_DATA_DIR": str(data_dir), "LONGFORM_LOCAL_WORKERS": "1", **extra})
    return env


@contextmanager
def serve(data_dir: Path, port: int, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    log = (data_dir.parent / f"server-{port}.log").open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "longform", "serve", "--port", str(port)],
        env=_env(data_dir, **extra),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes the pool workers too
    )
    try:
        _wait_ready(port, process)
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        log.close()


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited during startup"
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become ready")


def _job(port: int, job_id: str) -> dict[str, Any]:
    response = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}")
    assert response.status_code == 200, response.text
    job: dict[str, Any] = response.json()
    return job


def test_submit_command_against_real_server(tmp_path: Path) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf")
    port = _free_port()
    with serve(tmp_path / "data", port):
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "longform",
                "submit",
                str(pdf),
                "--server",
                f"http://127.0.0.1:{port}",
                "--out",
                str(tmp_path / "out"),
            ],
            env=_env(tmp_path / "unused"),
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr
        report = (tmp_path / "out" / "report.json").read_text()
        assert '"filename": "contract.pdf"' in report
        assert (tmp_path / "out" / "report.md").read_text().startswith("#")

        refused = subprocess.run(
            [
                sys.executable,
                "-m",
                "longform",
                "submit",
                str(tmp_path / "out" / "report.md"),
                "--server",
                f"http://127.0.0.1:{port}",
            ],
            env=_env(tmp_path / "unused"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2
        assert "unsupported_media_type" in refused.stderr


def test_job_survives_kill_and_restart_without_repeating_chunks(tmp_path: Path) -> None:
    pdf = make_text_pdf(tmp_path / "long.pdf", long_document_pages(48, seed=7))
    data_dir = tmp_path / "data"
    port = _free_port()
    settings = {
        "LONGFORM_CHUNK_MAX_PAGES": "2",
        "LONGFORM_CHUNK_OVERLAP_PAGES": "0",
        "LONGFORM_CHUNK_CONCURRENCY": "1",
    }
    with serve(data_dir, port, **settings) as first:
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

    with serve(data_dir, port, **settings):
        deadline = time.monotonic() + 240
        while (job := _job(port, job_id))["status"] not in ("succeeded", "partial", "failed"):
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        assert job["status"] == "succeeded", job
        assert job["progress"] == {"chunks_total": 24, "chunks_done": 24, "chunks_failed": 0}
        stream = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/events", timeout=30)
        report = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/report").json()

    done_events = [line for line in stream.text.splitlines() if line == "event: chunk.done"]
    indices = Counter(_indices(stream.text))
    assert len(done_events) == 24
    assert sorted(indices) == list(range(24)) and set(indices.values()) == {1}
    assert "event: resumed" in stream.text
    assert report["coverage"]["gaps"] == []
    assert report["coverage"]["analyzed"] == [{"page_start": 1, "page_end": 48}]


def _indices(sse: str) -> list[int]:
    """Chunk indices of chunk.done events, read from the SSE stream's data lines."""
    import json

    found = []
    lines = sse.splitlines()
    for i, line in enumerate(lines):
        if line == "event: chunk.done":
            found.append(int(json.loads(lines[i + 1].removeprefix("data: "))["index"]))
    return found


def _done_chunks(data_dir: Path, job_id: str) -> int:
    import sqlite3

    with sqlite3.connect(data_dir / "longform.db") as db:
        row = db.execute(
            "SELECT count(*) FROM chunks WHERE job_id = ? AND status = 'done'", (job_id,)
        ).fetchone()
    return int(row[0])
