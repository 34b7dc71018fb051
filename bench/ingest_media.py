"""Video ingestion speed: probe + plan + materialize every chunk, against a stream-copy floor.

The inputs are generated once and cached in bench/out/ (git-ignored): a 60-minute 1280x720
H.264 (~3 Mbit/s, key frame every 3 s) + AAC video from lavfi testsrc2 + sine, and a 3-hour
one made by concatenating it three times by stream copy. The floor is one
`ffmpeg -i IN -c copy -f null -` pass. Peak RSS is sampled over this process and its ffmpeg
children (summed). The page cache is warm (the floor runs first and reads the whole file).

    .venv/bin/python bench/ingest_media.py [--hours 1 3] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import time
from pathlib import Path
from typing import Any

import _common as c

from fixtures.mediagen import concat_copies, make_bench_video
from ingest.backend import ChunkBudget, open_backend
from ingest.sniff import sniff_file

TARGET_S_PER_HOUR = 20.0
TARGET_RSS_MB = 500.0


def bench_video(hours: int) -> Path:
    """The cached `hours`-hour video, generated on first use."""
    path = c.out_dir() / f"video-{hours * 60}min.mp4"
    if not path.exists():
        started = time.perf_counter()
        tmp = path.with_name(path.stem + ".tmp.mp4")
        if hours == 1:
            make_bench_video(tmp, 3600.0)
        else:
            concat_copies(bench_video(1), tmp, hours)
        tmp.replace(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def floor(path: Path) -> dict[str, Any]:
    """One stream-copy pass over the whole file, writing nothing."""
    cpu0 = c.cpu_seconds()
    t0 = time.perf_counter()
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
         "-c", "copy", "-f", "null", "-"], check=True,
    )  # fmt: skip
    return {
        "wall_s": round(time.perf_counter() - t0, 3),
        "cpu_s": c.cpu_delta(cpu0, c.cpu_seconds())["total"],
    }


def ingest_once(path: Path) -> dict[str, Any]:
    sampler = c.RssSampler(os.getpid(), interval=0.05, tree=True).start()
    cpu0 = c.cpu_seconds()
    t0 = time.perf_counter()
    with open_backend(path, sniff_file(path)) as backend:  # type: ignore[arg-type]
        probe = backend.probe()
        t1 = time.perf_counter()
        plans = backend.plan(ChunkBudget())
        t2 = time.perf_counter()
        first = backend.materialize(plans[0])
        t3 = time.perf_counter()
        parts = len(first.parts) + sum(len(backend.materialize(p).parts) for p in plans[1:])
        t4 = time.perf_counter()
    total = time.perf_counter() - t0
    sampler.stop()
    return {
        "duration_s": probe.duration_s,
        "keyframes": len(probe.keyframes_s),
        "chunks": len(plans),
        "parts": parts,
        "seconds": {
            "probe": round(t1 - t0, 3),
            "plan": round(t2 - t1, 3),
            "first_materialize": round(t3 - t2, 3),
            "other_materialize": round(t4 - t3, 3),
            "total": round(total, 3),
        },
        "cpu_seconds": c.cpu_delta(cpu0, c.cpu_seconds()),
        "peak_rss_mb": {
            "sum": c.mb(sampler.peak_kb),
            "largest_process": c.mb(sampler.peak_single_kb),
            "python": c.mb(c.proc_status(os.getpid()).get("VmHWM", 0)),
        },
        "loadavg": c.machine()["loadavg"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=int, nargs="+", default=[1, 3])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    results: dict[str, Any] = {"machine_start": c.machine(), "files": {}}
    rows = []
    for hours in args.hours:
        path = bench_video(hours)
        base = floor(path)
        runs = [ingest_once(path) for _ in range(args.runs)]
        best = min(runs, key=lambda r: r["seconds"]["total"])
        ratio = round(best["seconds"]["total"] / base["wall_s"], 1)
        met = best["seconds"]["total"] <= TARGET_S_PER_HOUR * hours and (
            best["peak_rss_mb"]["sum"] < TARGET_RSS_MB
        )
        results["files"][path.name] = {
            "bytes": path.stat().st_size, "floor": base, "runs": runs,
            "ratio_to_floor": ratio, "met": met,
        }  # fmt: skip
        s = best["seconds"]
        rows.append([path.name, best["chunks"], base["wall_s"], s["probe"],
                     s["first_materialize"], s["other_materialize"], s["total"],
                     best["cpu_seconds"]["total"], best["peak_rss_mb"]["sum"], ratio,
                     "met" if met else "NOT met"])  # fmt: skip
    c.print_table(
        ["file", "chunks", "floor s", "probe s", "1st mat. s", "rest s", "total s", "cpu s",
         "peak RSS MB", "x floor", f"<= {TARGET_S_PER_HOUR:.0f} s/h"],
        rows,
    )  # fmt: skip
    results["machine_end"] = c.machine()
    print(f"wrote {c.write_json('ingest_media', results)}")


if __name__ == "__main__":
    main()
