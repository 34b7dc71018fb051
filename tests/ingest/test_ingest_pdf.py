"""PdfBackend on generated PDFs: probe, plan, materialize, OCR."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixtures import pdfgen
from ingest import BACKENDS, IngestLimits, PdfBackend, open_backend
from ingest.backend import ChunkBudget
from ingest.errors import OcrUnavailable
from ingest.types import ChunkPlan, MediaType, Span
from tests.ingest.conftest import SCANNED_PAGES, TEXT_PAGES


def test_registry_routes_pdf() -> None:
    assert BACKENDS[MediaType.PDF] is PdfBackend


def test_probe_text_pdf(text_pdf: Path) -> None:
    with open_backend(text_pdf, MediaType.PDF) as backend:
        probe = backend.probe()
    assert probe.pages == 4
    assert probe.text_layer_pages == [1, 2, 4]
    assert probe.ocr_pages == [] and probe.unreadable_pages == []
    assert probe.title == "Alvarez deposition"
    assert not probe.encrypted and not probe.repaired
    assert probe.page_chars[2] == 0
    assert probe.page_chars[0] == len(TEXT_PAGES[0])


def test_materialize_gives_one_part_per_page(text_pdf: Path) -> None:
    with open_backend(text_pdf, MediaType.PDF) as backend:
        (plan,) = backend.plan(ChunkBudget(context_tokens=8000, max_pages=10, overlap_pages=1))
        chunk = backend.materialize(plan)
    assert chunk.span == Span.pages(1, 4)
    assert [part.span for part in chunk.parts] == [Span.pages(n) for n in range(1, 5)]
    assert [part.method for part in chunk.parts] == [
        "text-layer",
        "text-layer",
        "none",
        "text-layer",
    ]
    assert [part.text for part in chunk.parts] == TEXT_PAGES
    assert chunk.token_estimate == plan.token_estimate
    assert "$12,500.00" in chunk.text()


def test_plan_respects_budget_and_overlap(long_pdf: Path) -> None:
    with open_backend(long_pdf, MediaType.PDF) as backend:
        plans = backend.plan(ChunkBudget(context_tokens=4000, max_pages=6, overlap_pages=1))
        assert plans == backend.plan(ChunkBudget(context_tokens=4000, max_pages=6, overlap_pages=1))
        chunks = [backend.materialize(plan) for plan in plans]
    assert len(plans) > 10
    previous_last = 0
    for plan, chunk in zip(plans, chunks, strict=True):
        first, last = plan.span.page_start, plan.span.page_end
        assert first is not None and last is not None
        assert first == previous_last + 1 - plan.overlap_pages
        assert last - first + 1 <= 6 and plan.token_estimate <= 4000
        assert [part.span.page_start for part in chunk.parts] == list(range(first, last + 1))
        assert chunk.parts[0].text and chunk.parts[0].text.startswith(f"Page {first}\n")
        previous_last = last
    assert previous_last == 120
    assert all(plan.overlap_pages == 1 for plan in plans[1:])


def test_single_page_document_is_one_chunk(pdf_dir: Path) -> None:
    path = pdfgen.make_text_pdf(pdf_dir / "one.pdf", ["Only page."])
    with PdfBackend(path) as backend:
        plans = backend.plan(ChunkBudget(context_tokens=100, max_pages=5, overlap_pages=3))
    assert [(plan.span.label(), plan.overlap_pages) for plan in plans] == [("p. 1", 0)]


def test_ocr_reads_scanned_pages(scanned_pdf: Path) -> None:
    with open_backend(scanned_pdf, MediaType.PDF, limits=IngestLimits(ocr_workers=2)) as backend:
        probe = backend.probe()
        (plan,) = backend.plan(ChunkBudget(context_tokens=10_000, max_pages=10, overlap_pages=0))
        chunk = backend.materialize(plan)
    assert probe.text_layer_pages == [] and probe.ocr_pages == [1, 2]
    assert plan.token_estimate == 1200  # fixed estimate for image-only pages
    assert [part.method for part in chunk.parts] == ["ocr", "ocr"]
    first, second = (part.text or "" for part in chunk.parts)
    for word in ("INVOICE", "4471", "Northwind", "Logistics", "crates"):
        assert word in first
    for word in ("RECEIPT", "Granite", "Insurance", "Priya", "Patel"):
        assert word in second
    assert chunk.token_estimate > 10


def test_mixed_pdf_ocrs_only_image_pages(pdf_dir: Path) -> None:
    pages = ["Typed page about the merger.", SCANNED_PAGES[1], "Another typed page."]
    path = pdfgen.make_mixed_pdf(pdf_dir / "mixed.pdf", pages, image_pages={2})
    with PdfBackend(path) as backend:
        (chunk,) = backend.chunks(ChunkBudget(context_tokens=10_000, max_pages=10, overlap_pages=0))
        assert backend.probe().ocr_pages == [2]
    assert [part.method for part in chunk.parts] == ["text-layer", "ocr", "text-layer"]
    assert "Granite" in (chunk.parts[1].text or "")


def test_missing_tesseract_is_a_clear_error(scanned_pdf: Path) -> None:
    limits = IngestLimits(tesseract_cmd="/nonexistent/tesseract")
    with PdfBackend(scanned_pdf, limits=limits) as backend:
        assert backend.probe().ocr_pages == [1, 2]  # probing needs no OCR
        plan = backend.plan(ChunkBudget(context_tokens=10_000, max_pages=10, overlap_pages=0))[0]
        with pytest.raises(OcrUnavailable, match="tesseract"):
            backend.materialize(plan)


def test_missing_ocr_language_is_a_clear_error(scanned_pdf: Path) -> None:
    with PdfBackend(scanned_pdf, limits=IngestLimits(ocr_languages="eng+xyz")) as backend:
        plan = backend.plan(ChunkBudget(context_tokens=10_000, max_pages=10, overlap_pages=0))[0]
        with pytest.raises(OcrUnavailable, match="xyz"):
            backend.materialize(plan)


def test_long_pdf_chunks_cover_every_page_in_order(long_pdf: Path) -> None:
    # Speed is measured in bench/ingest_pdf.py, not here.
    with PdfBackend(long_pdf) as backend:
        chunks = list(
            backend.chunks(ChunkBudget(context_tokens=32_000, max_pages=50, overlap_pages=1))
        )
    pages = [part.span.page_start for chunk in chunks for part in chunk.parts]
    assert sorted(set(pages)) == list(range(1, 121))


def test_close_is_idempotent(text_pdf: Path) -> None:
    backend = PdfBackend(text_pdf)
    backend.close()
    backend.close()


def test_backends_on_many_threads_agree(long_pdf: Path, text_pdf: Path) -> None:
    """PDFium is not thread-safe; the ingest lock makes concurrent backends safe."""

    def texts(path: Path) -> list[str]:
        with PdfBackend(path) as backend:
            chunks = backend.chunks(ChunkBudget(context_tokens=3000, max_pages=4, overlap_pages=1))
            return [chunk.text() for chunk in chunks]

    expected = {path: texts(path) for path in (long_pdf, text_pdf)}
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(texts, [long_pdf, text_pdf] * 4))
    assert results == [expected[long_pdf], expected[text_pdf]] * 4


def test_plan_outside_the_document_is_refused(text_pdf: Path) -> None:
    with PdfBackend(text_pdf) as backend:
        with pytest.raises(ValueError, match="not within pages 1-4"):
            backend.materialize(ChunkPlan(index=0, span=Span.pages(3, 9), token_estimate=1))
        with pytest.raises(ValueError):
            backend.materialize(ChunkPlan(index=0, span=Span.seconds(0, 5), token_estimate=1))


def test_a_page_shared_by_overlapping_chunks_is_ocred_once(tmp_path: Path) -> None:
    # A wrapper around the real tesseract that logs each page it is asked to read.
    log = tmp_path / "calls.log"
    wrapper = tmp_path / "tesseract-logged"
    real = shutil.which("tesseract")
    wrapper.write_text(f'#!/bin/sh\n[ "$1" = stdin ] && echo page >> {log}\nexec {real} "$@"\n')
    wrapper.chmod(0o755)
    path = pdfgen.make_image_pdf(tmp_path / "scan.pdf", ["One page.", "Two page.", "Three."])
    limits = IngestLimits(tesseract_cmd=str(wrapper))
    with PdfBackend(path, limits=limits) as backend:
        plans = backend.plan(ChunkBudget(context_tokens=100_000, max_pages=2, overlap_pages=1))
        assert [p.span.label() for p in plans] == ["pp. 1–2", "pp. 2–3"]
        texts = [backend.materialize(plan).text() for plan in plans]
    assert "Two" in texts[0] and "Two" in texts[1]
    assert log.read_text().count("page") == 3


def test_confidence_filter_keeps_clear_text() -> None:
    from ingest.ocr import OcrSettings, ocr_image

    image = pdfgen.render_text_image("Margaret Ellison, Chief Auditor", dpi=150)
    settings = OcrSettings(languages="eng", dpi=150)
    assert "Margaret Ellison" in ocr_image(image, settings, min_confidence=60)
    assert ocr_image(image, settings, min_confidence=101) == ""  # nothing is that sure


def test_ocr_languages_adds_installed_packs_and_names_the_missing() -> None:
    from ingest.ocr import ocr_languages

    assert ocr_languages("eng", []) == ("eng", [])
    assert ocr_languages("eng", ["en"]) == ("eng", [])  # already there, not twice
    used, missing = ocr_languages("eng", ["xx", "th"])
    assert used.startswith("eng") and "xx" in missing
    assert ("tha" in used) != ("th" in missing)  # either read with its pack, or named missing
