"""What runs inside the local provider's worker processes.

Chunks cross the process boundary as JSON (cheap to pickle) and results come back as JSON.
`init_worker` pins every native thread pool to one thread: on 2 cores the defaults cost
3–20× CPU (ENGINES.md pitfall 3). The environment variables only help if set before numpy
loads, so the parent also sets them before spawning (see `thread_env`); if numpy was
already imported anyway, OpenBLAS is capped through its C API.
"""

from __future__ import annotations

import ctypes
import os
import sys

THREAD_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "OMP_THREAD_LIMIT": "1",
    "MKL_NUM_THREADS": "1",
    "HF_HUB_OFFLINE": "1",  # faster-whisper must never reach for the Hugging Face hub
}


def thread_env() -> None:
    """Set one-thread defaults in this process's environment (inherited by children)."""
    for key, value in THREAD_ENV.items():
        os.environ.setdefault(key, value)


def _cap_loaded_openblas() -> None:
    if "numpy" not in sys.modules:
        return
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    except OSError:
        return
    for path in paths:
        try:
            library = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads"):
            setter = getattr(library, symbol, None)
            if setter is not None:
                setter(1)
                break


def init_worker(warm: bool = True) -> None:
    """Process-pool initializer: one thread per native pool, then load every model."""
    thread_env()
    _cap_loaded_openblas()
    if warm:
        from providers.local.engine import warm as warm_models

        warm_models()


def run_chunk(chunk_json: str, task_json: str, model_cache_dir: str | None = None) -> str:
    from pathlib import Path

    from ingest.types import Chunk
    from providers.base import AnalysisTask
    from providers.local.engine import analyze_chunk

    chunk = Chunk.model_validate_json(chunk_json)
    task = AnalysisTask.model_validate_json(task_json)
    cache_dir = Path(model_cache_dir) if model_cache_dir else None
    return analyze_chunk(chunk, task, cache_dir).model_dump_json()


def ping() -> int:
    return os.getpid()
