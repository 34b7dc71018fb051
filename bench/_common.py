"""Shared helpers for the benchmark scripts: paths, CPU/load accounting, /proc sampling, output.

Importing this module puts the repository root on `sys.path`, so the scripts can import
`ingest`, `fixtures` and `longform` when run as `.venv/bin/python bench/<name>.py`.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024
CLK_TCK = os.sysconf("SC_CLK_TCK")


def is_fresh(cached: Path) -> bool:
    """True if `cached` exists and is newer than the fixture generator that made it."""
    generator = ROOT / "fixtures" / "pdfgen.py"
    return cached.exists() and cached.stat().st_mtime >= generator.stat().st_mtime


def out_dir() -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    return OUT


def cpu_seconds() -> dict[str, float]:
    """User+system CPU seconds of this process and of its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "self": own.ru_utime + own.ru_stime,
        "children": kids.ru_utime + kids.ru_stime,
    }


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    delta = {key: round(after[key] - before[key], 3) for key in before}
    delta["total"] = round(sum(delta.values()), 3)
    return delta


def machine() -> dict[str, Any]:
    """What the numbers ran on, and how busy it was at this moment."""
    return {
        "cpus": os.cpu_count(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "kernel": platform.release(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def proc_status(pid: int) -> dict[str, int]:
    """VmRSS / VmHWM (kB) of one process; empty if it is gone."""
    values: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                key, _, rest = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    values[key] = int(rest.split()[0])
    except (FileNotFoundError, ProcessLookupError, ValueError):
        pass
    return values


def proc_cpu(pid: int) -> float:
    """utime+stime (s) of a running process, from /proc/<pid>/stat."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_pss_kb(pid: int) -> int:
    """Proportional set size (kB): shared pages split between the processes sharing them."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
        pass
    return 0


def cmdline(pid: int, width: int = 90) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            text = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except (FileNotFoundError, ProcessLookupError):
        return "?"
    return text[:width]


def process_tree(root: int) -> list[int]:
    """`root` and all its live descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


@dataclass
class RssSampler:
    """Samples VmRSS of one process (or its whole tree) in a background thread."""

    pid: int
    interval: float = 0.05
    tree: bool = False
    pss: bool = False
    peak_kb: int = 0  # max of the (summed) RSS
    peak_single_kb: int = 0  # max RSS of any one process
    peak_pss_kb: int = 0
    peak_procs: int = 0
    samples: int = 0
    per_pid_kb: dict[int, int] = field(default_factory=dict)  # peak RSS of each process seen
    labels: dict[int, str] = field(default_factory=dict)
    timeline: list[tuple[float, int, int]] = field(default_factory=list)  # (s, procs, sum kB)
    rescan_every: int = 5
    _pids: list[int] = field(default_factory=list)
    _t0: float = field(default_factory=time.perf_counter)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> RssSampler:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> RssSampler:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()
        return self

    def sample(self) -> None:
        # Scanning /proc for the tree costs ~15 ms here, so rescan once a second only; the
        # RSS of the known processes is read at every sample.
        if not self.tree:
            pids = [self.pid]
        elif self.samples % self.rescan_every == 0 or not self._pids:
            pids = self._pids = process_tree(self.pid)
        else:
            pids = self._pids
        rss = [proc_status(pid).get("VmRSS", 0) for pid in pids]
        for pid, kb in zip(pids, rss, strict=True):
            if kb > self.per_pid_kb.get(pid, 0):
                self.per_pid_kb[pid] = kb
                if pid not in self.labels:
                    self.labels[pid] = cmdline(pid)
        self.peak_kb = max(self.peak_kb, sum(rss))
        self.peak_single_kb = max(self.peak_single_kb, max(rss, default=0))
        self.peak_procs = max(self.peak_procs, sum(1 for r in rss if r))
        if self.tree:
            elapsed = round(time.perf_counter() - self._t0, 2)
            self.timeline.append((elapsed, sum(1 for r in rss if r), sum(rss)))
        if self.pss and self.samples % self.rescan_every == 0:  # smaps_rollup walks page tables
            self.peak_pss_kb = max(self.peak_pss_kb, sum(proc_pss_kb(pid) for pid in pids))
        self.samples += 1

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()


def mb(kb: int) -> float:
    return round(kb / 1024, 1)


def write_json(name: str, data: dict[str, Any]) -> Path:
    path = out_dir() / f"{name}.json"
    path.write_text(json.dumps(data, indent=2) + "\n")
    return path


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if n else c.ljust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  ".join("-" * w for w in widths))
