"""Real server and worker processes for the durability tests: start, poll, kill, count."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

TERMINAL = ("succeeded", "partial", "failed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The test's environment without any LONGFORM_* of the developer's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LONGFORM_")}
    env.update({"LONGFORM_DATA_DIR": str(data_dir), "LONGFORM_LOCAL_WORKERS": "1", **extra})
    return env


@contextmanager
def _process(
    args: list[str], log_path: Path, env: dict[str, str]
) -> Iterator[subprocess.Popen[bytes]]:
    log = log_path.open("ab")
    process = subprocess.Popen(
        [sys.executable, "-m", "longform", *args],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: kill -9 takes its analysis pool too
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=60)
        log.close()


@contextmanager
def serve(data_dir: Path, port: int, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`longform serve` on loopback, ready when this yields."""
    args = ["serve", "--port", str(port)]
    log = data_dir.parent / f"server-{port}.log"
    with _process(args, log, child_env(data_dir, **extra)) as process:
        _wait_ready(port, process)
        yield process


@contextmanager
def worker(data_dir: Path, name: str, **extra: str) -> Iterator[subprocess.Popen[bytes]]:
    """`longform worker` (Celery) with one job at a time."""
    args = ["worker", "--concurrency", "1"]
    log = data_dir.parent / f"worker-{name}.log"
    with _process(args, log, child_env(data_dir, **extra)) as process:
        yield process


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


def job(port: int, job_id: str) -> dict[str, Any]:
    response = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


def submit_and_await_progress(port: int, pdf: Path, chunks_done: int = 3) -> str:
    """Upload `pdf` and return once `chunks_done` chunks are analysed: time to kill."""
    with pdf.open("rb") as handle:
        created = httpx.post(f"http://127.0.0.1:{port}/v1/jobs", files={"file": handle})
    job_id: str = created.json()["id"]
    deadline = time.monotonic() + 120
    while job(port, job_id)["progress"]["chunks_done"] < chunks_done:
        assert time.monotonic() < deadline, "no progress before the kill"
        time.sleep(0.05)
    return job_id


def kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def await_terminal(port: int, job_id: str, timeout_s: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while (found := job(port, job_id))["status"] not in TERMINAL:
        assert time.monotonic() < deadline, found
        time.sleep(0.2)
    return found


def done_chunks(data_dir: Path, job_id: str) -> int:
    """Chunks recorded done in the (SQLite) store, read directly: the server may be dead."""
    with sqlite3.connect(data_dir / "longform.db") as db:
        row = db.execute(
            "SELECT count(*) FROM chunks WHERE job_id = ? AND status = 'done'", (job_id,)
        ).fetchone()
    return int(row[0])


def chunk_done_indices(sse: str) -> list[int]:
    """Chunk indices of chunk.done events, read from the SSE stream's data lines."""
    lines = sse.splitlines()
    return [
        int(json.loads(lines[i + 1].removeprefix("data: "))["index"])
        for i, line in enumerate(lines)
        if line == "event: chunk.done"
    ]
