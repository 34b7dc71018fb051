"""A real `longform serve` on loopback: `longform submit`, and kill -9 / restart durability."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import httpx

from fixtures.pdfgen import long_document_pages, make_text_pdf
from tests.service.processes import (
    await_terminal,
    child_env,
    chunk_done_indices,
    done_chunks,
    free_port,
    kill,
    serve,
    submit_and_await_progress,
)
from tests.service.sample import make_sample_pdf


def test_submit_command_against_real_server(tmp_path: Path) -> None:
    pdf = make_sample_pdf(tmp_path / "contract.pdf")
    port = free_port()
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
            env=child_env(tmp_path / "unused"),
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
            env=child_env(tmp_path / "unused"),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert refused.returncode == 2
        assert "unsupported_media_type" in refused.stderr


def test_job_survives_kill_and_restart_without_repeating_chunks(tmp_path: Path) -> None:
    pdf = make_text_pdf(tmp_path / "long.pdf", long_document_pages(48, seed=7))
    data_dir = tmp_path / "data"
    port = free_port()
    settings = {
        "LONGFORM_CHUNK_MAX_PAGES": "2",
        "LONGFORM_CHUNK_OVERLAP_PAGES": "0",
        "LONGFORM_CHUNK_CONCURRENCY": "1",
    }
    with serve(data_dir, port, **settings) as first:
        job_id = submit_and_await_progress(port, pdf)
        kill(first)
    interrupted_at = done_chunks(data_dir, job_id)
    assert 0 < interrupted_at < 24, "the kill must land mid-job"

    with serve(data_dir, port, **settings):
        job = await_terminal(port, job_id)
        assert job["status"] == "succeeded", job
        assert job["progress"] == {"chunks_total": 24, "chunks_done": 24, "chunks_failed": 0}
        stream = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/events", timeout=30)
        report = httpx.get(f"http://127.0.0.1:{port}/v1/jobs/{job_id}/report").json()

    done_events = [line for line in stream.text.splitlines() if line == "event: chunk.done"]
    indices = Counter(chunk_done_indices(stream.text))
    assert len(done_events) == 24
    assert sorted(indices) == list(range(24)) and set(indices.values()) == {1}
    assert "event: resumed" in stream.text
    assert report["coverage"]["gaps"] == []
    assert report["coverage"]["analyzed"] == [{"page_start": 1, "page_end": 48}]
