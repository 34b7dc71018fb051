"""Upload throughput and server memory: a real `longform serve`, a streaming curl client.

Generates 2 GB and 200 MB files of pseudo-random bytes that start with `%PDF-1.7\\n` (so they
sniff as PDF), uploads each with `curl -F` (which streams the file from disk), and records
end-to-end MB/s, the server's CPU-seconds, and its resident memory before and during the
upload (VmHWM is reset through /proc/<pid>/clear_refs before each run, and VmRSS is also
polled every 20 ms). The sha256 the server reports must match the one computed while
writing the file. Each job is then deleted (it fails, the bytes are not a real PDF).

    .venv/bin/python bench/upload.py [--sizes-mb 2000,200] [--runs 3] [--keep-files]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c
import httpx

BLOCK = 8 * 1024 * 1024
TARGET_MB_S = 500.0
TARGET_RSS_MB = 100.0
TERMINAL = {"succeeded", "partial", "failed", "cancelled"}


def make_file(path: Path, size: int, seed: int = 7) -> tuple[str, float]:
    """Write `size` pseudo-random bytes (PDF header first) in blocks; return sha256, seconds."""
    started = time.perf_counter()
    rng = random.Random(seed)
    digest = hashlib.sha256()
    with path.open("wb") as handle:
        written = 0
        while written < size:
            block = rng.randbytes(min(BLOCK, size - written))
            if written == 0:
                block = b"%PDF-1.7\n" + block[9:]
            digest.update(block)
            handle.write(block)
            written += len(block)
    return digest.hexdigest(), time.perf_counter() - started


def ceiling(
    directory: Path, size: int, block: int = 256 * 1024, rounds: int = 3
) -> dict[str, float]:
    """Best-of-`rounds` MB/s of the server's per-block work without HTTP: sha256, write, both.

    Blocks of 256 KiB, as the server receives them from the socket; written unbuffered to a
    new file as `SourceWriter` does (page cache, no fsync).
    """
    data = memoryview(random.Random(3).randbytes(block))
    count = size // block
    result: dict[str, float] = {}
    for _ in range(rounds):
        for name in ("sha256", "write", "sha256+write"):
            os.sync()
            digest = hashlib.sha256()
            target = directory / "ceiling.bin"
            with target.open("wb", buffering=0) as handle:
                started = time.perf_counter()
                for _ in range(count):
                    if name != "write":
                        digest.update(data)
                    if name != "sha256":
                        handle.write(data)
                seconds = time.perf_counter() - started
            target.unlink()
            speed = round(count * block / seconds / 1e6, 1)
            result[name] = max(result.get(name, 0.0), speed)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LONGFORM_DATA_DIR": str(data_dir),
        "LONGFORM_MAX_UPLOAD_BYTES": str(16 * 1024**3),
    }
    command = [sys.executable, "-m", "longform", "serve", "--host", "127.0.0.1"]
    with log.open("wb") as handle:
        server = subprocess.Popen(
            [*command, "--port", str(port)], cwd=c.ROOT, env=env, stdout=handle, stderr=handle
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise RuntimeError(f"server did not answer /healthz within 60 s; see {log}")


def reset_hwm(pid: int) -> None:
    with open(f"/proc/{pid}/clear_refs", "w") as handle:
        handle.write("5")  # resets VmHWM to the current VmRSS


def curl_upload(url: str, path: Path, response: Path) -> tuple[int, float, dict[str, float]]:
    """Upload `path` as the multipart `file` part; return HTTP status, seconds, curl CPU."""
    command = [
        "curl", "-sS", "-o", str(response), "-w", "%{http_code}", "-H", "Expect:",
        "-F", f"file=@{path};type=application/pdf;filename=bench.pdf", url,
    ]  # fmt: skip
    before = c.cpu_seconds()
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"curl failed ({done.returncode}): {done.stderr.strip()}")
    return int(done.stdout.strip()), seconds, c.cpu_delta(before, c.cpu_seconds())


def wait_terminal(client: httpx.Client, job_id: str, timeout: float = 300) -> tuple[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in TERMINAL:
            return job["status"], job.get("error")
        time.sleep(0.2)
    return "timeout", None


def one_run(
    client: httpx.Client, pid: int, path: Path, sha256: str, data_dir: Path
) -> dict[str, Any]:
    size = path.stat().st_size
    os.sync()  # do not let the previous run's writeback compete with this one
    before = c.proc_status(pid)
    reset_hwm(pid)
    server_cpu0 = c.proc_cpu(pid)
    sampler = c.RssSampler(pid, interval=0.02).start()
    status, seconds, curl_cpu = curl_upload(f"{client.base_url}v1/jobs", path, OUT_RESPONSE)
    sampler.stop()
    server_cpu = c.proc_cpu(pid) - server_cpu0
    during = c.proc_status(pid)
    body = json.loads(OUT_RESPONSE.read_text())
    if status != 202:
        raise RuntimeError(f"upload answered {status}: {body}")
    job_id = body["id"]
    job = client.get(f"/v1/jobs/{job_id}").json()
    # What happens to server memory once the runner picks up the (bogus) 2 GB "PDF".
    reset_hwm(pid)
    started = time.perf_counter()
    final, error = wait_terminal(client, job_id)
    to_terminal = time.perf_counter() - started
    after_job = c.proc_status(pid)
    deleted = client.delete(f"/v1/jobs/{job_id}")
    leftovers = [p for p in (data_dir / "blobs").rglob("*") if p.is_file()]
    rss_before = before["VmRSS"]
    return {
        "size_bytes": size,
        "seconds": round(seconds, 3),
        "mb_s": round(size / seconds / 1e6, 1),
        "mib_s": round(size / seconds / 2**20, 1),
        "http_status": status,
        "sha256_ok": job.get("sha256") == sha256,
        "server_sha256": job.get("sha256"),
        "server_cpu_s": round(server_cpu, 3),
        "curl_cpu_s": curl_cpu["children"],
        "server_rss_before_mb": c.mb(rss_before),
        "server_peak_rss_during_mb": c.mb(max(sampler.peak_kb, during["VmHWM"])),
        "server_rss_increase_mb": c.mb(max(sampler.peak_kb, during["VmHWM"]) - rss_before),
        "job_status": final,
        "job_error": error,
        "seconds_upload_to_terminal": round(to_terminal, 2),
        "server_peak_rss_while_job_ran_mb": c.mb(after_job.get("VmHWM", 0)),
        "delete_status": deleted.status_code,
        "blob_files_left_after_delete": [str(p.relative_to(data_dir)) for p in leftovers],
    }


OUT_RESPONSE = c.OUT / "upload-response.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mb", default="2000,200", help="file sizes, MB (10^6 bytes)")
    parser.add_argument("--runs", type=int, default=3, help="uploads per size")
    parser.add_argument("--keep-files", action="store_true", help="keep the generated files")
    args = parser.parse_args()

    out = c.out_dir()
    start_machine = c.machine()
    cpu0 = c.cpu_seconds()
    data_dir = Path(tempfile.mkdtemp(prefix="upload-data-", dir=out))
    port = free_port()
    server = start_server(data_dir, port, out / "upload-server.log")
    results: list[dict[str, Any]] = []
    files: list[Path] = []
    limits: dict[str, float] = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}/", timeout=120) as client:
            # Warm the upload path (imports, first DB session) with a refused non-PDF upload.
            warm = client.post("/v1/jobs", files={"file": ("warm.txt", b"hello", "text/plain")})
            assert warm.status_code == 415, warm.text
            limits = ceiling(data_dir, 1_000_000_000)
            print(f"single-thread ceiling, MB/s (no HTTP): {limits}", flush=True)
            for size_mb in (int(s) for s in args.sizes_mb.split(",")):
                path = out / f"upload-{size_mb}mb.bin"
                files.append(path)
                sha256, gen_s = make_file(path, size_mb * 1_000_000)
                print(f"generated {path.name} in {gen_s:.1f} s", flush=True)
                for run in range(1, args.runs + 1):
                    result = {"size_mb": size_mb, "run": run, **c.machine()}
                    result.update(one_run(client, server.pid, path, sha256, data_dir))
                    results.append(result)
                    print(
                        f"  {size_mb} MB run {run}: {result['mb_s']} MB/s, "
                        f"+{result['server_rss_increase_mb']} MB RSS",
                        flush=True,
                    )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
        OUT_RESPONSE.unlink(missing_ok=True)
        if not args.keep_files:
            for path in files:
                path.unlink(missing_ok=True)

    rows, summary = [], []
    for size_mb in sorted({r["size_mb"] for r in results}, reverse=True):
        runs = [r for r in results if r["size_mb"] == size_mb]
        median = statistics.median(r["mb_s"] for r in runs)
        worst_rss = max(r["server_rss_increase_mb"] for r in runs)
        summary.append(
            {
                "size_mb": size_mb,
                "median_mb_s": median,
                "max_rss_increase_mb": worst_rss,
                "all_sha256_ok": all(r["sha256_ok"] for r in runs),
                "throughput_met": median >= TARGET_MB_S,
                "memory_met": worst_rss <= TARGET_RSS_MB,
            }
        )
        for r in runs:
            rows.append(
                [
                    f"{size_mb} MB #{r['run']}",
                    r["seconds"],
                    r["mb_s"],
                    r["server_cpu_s"],
                    r["curl_cpu_s"],
                    r["server_rss_before_mb"],
                    r["server_peak_rss_during_mb"],
                    f"+{r['server_rss_increase_mb']}",
                    "ok" if r["sha256_ok"] else "MISMATCH",
                    r["job_status"],
                    r["delete_status"],
                    r["loadavg"][0],
                ]
            )
    c.print_table(
        [
            "upload", "wall s", "MB/s", "srv cpu s", "curl cpu s", "rss0 MB",
            "peak MB", "delta MB", "sha256", "job", "DELETE", "load1",
        ],
        rows,
    )  # fmt: skip
    for s in summary:
        print(
            f"{s['size_mb']} MB: median {s['median_mb_s']} MB/s (target >= {TARGET_MB_S}: "
            f"{'met' if s['throughput_met'] else 'NOT met'}), RSS +{s['max_rss_increase_mb']} MB "
            f"(target <= {TARGET_RSS_MB}: {'met' if s['memory_met'] else 'NOT met'})"
        )
    cpu = c.cpu_delta(cpu0, c.cpu_seconds())
    print(f"bench CPU-seconds: self {cpu['self']}, children {cpu['children']}")
    path = c.write_json(
        "upload",
        {
            "machine_start": start_machine,
            "machine_end": c.machine(),
            "cpu_seconds": cpu,
            "targets": {"mb_s": TARGET_MB_S, "rss_increase_mb": TARGET_RSS_MB},
            "ceiling_mb_s_no_http": limits,
            "summary": summary,
            "runs": results,
        },
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
