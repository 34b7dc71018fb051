"""Text-PDF ingestion speed, in-process: open + probe + plan + materialize every chunk.

The 2,000-page input is generated once with `fixtures.pdfgen` and cached as
bench/out/doc-2000.pdf (bench/analyze_pdf.py uses the same file).

    .venv/bin/python bench/ingest_pdf.py [--pages 2000] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import _common as c

from fixtures.pdfgen import long_document_pages, make_text_pdf
from ingest.backend import ChunkBudget, IngestLimits, open_backend
from ingest.types import MediaType

TARGET_PAGES_S = 400.0
CONTEXT_TOKENS, MAX_PAGES, OVERLAP = 12_000, 40, 1


def text_pdf(pages: int) -> Path:
    """The cached `pages`-page text PDF, generated on first use."""
    path = c.out_dir() / f"doc-{pages}.pdf"
    if not c.is_fresh(path):
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        make_text_pdf(tmp, long_document_pages(pages, seed=0), title=f"Bench {pages} pages")
        tmp.replace(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path


def ingest_once(path: Path) -> dict[str, Any]:
    cpu0 = c.cpu_seconds()
    t0 = time.perf_counter()
    with open_backend(path, MediaType.PDF, limits=IngestLimits()) as backend:
        t1 = time.perf_counter()
        probe = backend.probe()
        t2 = time.perf_counter()
        plans = backend.plan(ChunkBudget(CONTEXT_TOKENS, MAX_PAGES, OVERLAP))
        t3 = time.perf_counter()
        chars = parts = 0
        for plan in plans:
            chunk = backend.materialize(plan)
            parts += len(chunk.parts)
            chars += sum(len(part.text or "") for part in chunk.parts)
        t4 = time.perf_counter()
    total = time.perf_counter() - t0
    return {
        "pages": probe.pages,
        "text_layer_pages": len(probe.text_layer_pages),
        "ocr_pages": len(probe.ocr_pages),
        "chunks": len(plans),
        "materialized_parts": parts,
        "materialized_chars": chars,
        "seconds": {
            "open": round(t1 - t0, 4),
            "probe": round(t2 - t1, 4),
            "plan": round(t3 - t2, 4),
            "materialize": round(t4 - t3, 4),
            "total": round(total, 4),
        },
        "pages_s": round(probe.pages / total, 1),
        "cpu_seconds": c.cpu_delta(cpu0, c.cpu_seconds()),
        "loadavg": c.machine()["loadavg"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    path = text_pdf(args.pages)
    start_machine = c.machine()
    runs = [ingest_once(path) for _ in range(args.runs)]
    rows = [
        [
            n,
            r["pages"],
            r["chunks"],
            r["seconds"]["open"],
            r["seconds"]["probe"],
            r["seconds"]["plan"],
            r["seconds"]["materialize"],
            r["seconds"]["total"],
            r["cpu_seconds"]["total"],
            r["pages_s"],
            r["loadavg"][0],
        ]
        for n, r in enumerate(runs, start=1)
    ]
    c.print_table(
        ["run", "pages", "chunks", "open s", "probe s", "plan s", "mat. s", "total s", "cpu s",
         "pages/s", "load1"],
        rows,
    )  # fmt: skip
    median = statistics.median(r["pages_s"] for r in runs)
    met = median >= TARGET_PAGES_S
    print(f"median {median} pages/s (target >= {TARGET_PAGES_S}: {'met' if met else 'NOT met'})")
    out = c.write_json(
        "ingest_pdf",
        {
            "file": str(path.relative_to(c.ROOT)),
            "file_bytes": path.stat().st_size,
            "settings": {"context_tokens": CONTEXT_TOKENS, "max_pages": MAX_PAGES,
                         "overlap_pages": OVERLAP},
            "machine_start": start_machine,
            "machine_end": c.machine(),
            "target_pages_s": TARGET_PAGES_S,
            "median_pages_s": median,
            "met": met,
            "runs": runs,
        },
    )  # fmt: skip
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
