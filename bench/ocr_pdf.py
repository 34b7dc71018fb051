"""OCR speed through the PDF backend: a 100-page image-only PDF, every chunk materialized.

`PdfBackend.materialize` renders each page without a text layer with PDFium and runs
tesseract on it (one single-threaded process per page, `IngestLimits.ocr_workers` = CPU
count at a time). The image PDF is generated once and cached as bench/out/scan-100.pdf.
Word recall against the generating text is reported as a sanity check of the OCR output.

    .venv/bin/python bench/ocr_pdf.py [--pages 100]
"""

from __future__ import annotations

import argparse
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import _common as c

from fixtures.pdfgen import long_document_pages, make_image_pdf
from ingest.backend import ChunkBudget, IngestLimits, open_backend
from ingest.types import MediaType

TARGET_PAGES_S = 1.0
CONTEXT_TOKENS, MAX_PAGES, OVERLAP = 12_000, 40, 1
_WORD = re.compile(r"[A-Za-z]{3,}")


def image_pdf(pages: int) -> tuple[Path, list[str]]:
    texts = long_document_pages(pages, seed=1)
    path = c.out_dir() / f"scan-{pages}.pdf"
    if not c.is_fresh(path):
        started = time.perf_counter()
        tmp = path.with_suffix(".tmp")
        make_image_pdf(tmp, texts)
        tmp.replace(path)
        print(f"generated {path.name} in {time.perf_counter() - started:.1f} s", flush=True)
    return path, texts


def recall(expected: list[str], got: dict[int, str]) -> float:
    """Share of the words drawn on the pages that OCR gave back (multiset, per page)."""
    found = total = 0
    for number, text in enumerate(expected, start=1):
        want = Counter(_WORD.findall(text))
        have = Counter(_WORD.findall(got.get(number, "")))
        found += sum((want & have).values())
        total += sum(want.values())
    return round(found / total, 4) if total else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=100)
    args = parser.parse_args()

    path, texts = image_pdf(args.pages)
    limits = IngestLimits()
    start_machine = c.machine()
    cpu0 = c.cpu_seconds()
    t0 = time.perf_counter()
    page_text: dict[int, str] = {}
    chunk_rows: list[list[Any]] = []
    ocr_calls = 0
    with open_backend(path, MediaType.PDF, limits=limits) as backend:
        probe = backend.probe()
        t1 = time.perf_counter()
        plans = backend.plan(ChunkBudget(CONTEXT_TOKENS, MAX_PAGES, OVERLAP))
        for plan in plans:
            started = time.perf_counter()
            chunk = backend.materialize(plan)
            seconds = time.perf_counter() - started
            ocred = [p for p in chunk.parts if p.method == "ocr"]
            ocr_calls += len(ocred)
            for part in ocred:
                page_text[part.span.page_start or 0] = part.text or ""
            label = f"{plan.span.page_start}-{plan.span.page_end}"
            chunk_rows.append([plan.index, label, len(ocred), round(seconds, 2)])
    total = time.perf_counter() - t0
    cpu = c.cpu_delta(cpu0, c.cpu_seconds())
    pages_s = round(probe.pages / total, 3)
    c.print_table(["chunk", "pages", "OCR'd", "seconds"], chunk_rows)
    summary = {
        "pages": probe.pages,
        "ocr_pages": len(probe.ocr_pages),
        "ocr_calls": ocr_calls,  # > pages: overlap pages are OCR'd again by the next chunk
        "chunks": len(plans),
        "probe_seconds": round(t1 - t0, 3),
        "seconds": round(total, 2),
        "pages_s": pages_s,
        "cpu_seconds": cpu,
        "cpu_s_per_page": round(cpu["total"] / probe.pages, 3),
        "word_recall": recall(texts, page_text),
        "ocr_workers": limits.ocr_workers,
        "ocr_dpi": limits.ocr_dpi,
    }
    print()
    c.print_table(
        ["pages", "OCR calls", "chunks", "wall s", "cpu s", "cpu s/page", "pages/s", "recall"],
        [[summary["pages"], ocr_calls, len(plans), summary["seconds"], cpu["total"],
          summary["cpu_s_per_page"], pages_s, summary["word_recall"]]],
    )  # fmt: skip
    met = pages_s >= TARGET_PAGES_S
    print(f"{pages_s} pages/s (target >= {TARGET_PAGES_S}: {'met' if met else 'NOT met'})")
    out = c.write_json(
        "ocr_pdf",
        {
            "file": str(path.relative_to(c.ROOT)),
            "file_bytes": path.stat().st_size,
            "machine_start": start_machine,
            "machine_end": c.machine(),
            "target_pages_s": TARGET_PAGES_S,
            "met": met,
            **summary,
            "per_chunk": [dict(zip(["index", "pages", "ocr", "seconds"], r, strict=True))
                          for r in chunk_rows],
        },
    )  # fmt: skip
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
