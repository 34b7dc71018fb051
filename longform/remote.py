"""`longform submit`: upload to a server, poll the job, download the report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)
_TERMINAL = {"succeeded", "partial", "failed", "cancelled"}


def submit_and_wait(
    server: str,
    api_key: str | None,
    path: Path,
    out_dir: Path,
    formats: list[str],
    options: dict[str, Any],
    poll_s: float = 1.0,
) -> int:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    timeout = httpx.Timeout(30.0, read=300.0, write=300.0)
    with httpx.Client(base_url=server.rstrip("/"), headers=headers, timeout=timeout) as client:
        with path.open("rb") as handle:
            response = client.post(
                "/v1/jobs",
                files={"file": (path.name, handle, "application/octet-stream")},
                data={"options": json.dumps(options)} if options else None,
            )
        if response.status_code != 202:
            console.print(f"[red]upload refused[/red] ({response.status_code}): {_error(response)}")
            return 2
        job_id = response.json()["id"]
        console.print(f"job {job_id}")
        job = _poll(client, job_id, poll_s)
        if job["status"] not in ("succeeded", "partial"):
            error = job.get("error") or {}
            console.print(f"[red]{job['status']}[/red] {error.get('code')}: {error.get('message')}")
            return 1
        out_dir.mkdir(parents=True, exist_ok=True)
        for fmt in formats:
            report = client.get(f"/v1/jobs/{job_id}/report", params={"format": fmt})
            report.raise_for_status()
            target = out_dir / f"report.{fmt}"
            target.write_bytes(report.content)
            console.print(f"wrote {target}")
        console.print(f"{job['status']}: {job['progress']}")
        return 0


def _poll(client: httpx.Client, job_id: str, poll_s: float) -> dict[str, Any]:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("queued", total=None)
        while True:
            response = client.get(f"/v1/jobs/{job_id}")
            response.raise_for_status()
            job: dict[str, Any] = response.json()
            progress = job["progress"]
            assert isinstance(progress, dict)
            done = progress["chunks_done"] + progress["chunks_failed"]
            bar.update(
                task,
                description=str(job["stage"]),
                total=progress["chunks_total"] or None,
                completed=done,
            )
            if job["status"] in _TERMINAL:
                return job
            time.sleep(poll_s)


def _error(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{body['error']['code']}: {body['error']['message']}"
    except (ValueError, KeyError, TypeError):
        return response.text[:200]
