"""Every kind of bad input ends as the right `IngestError`, never a PDFium exception."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from fixtures import pdfgen
from ingest import IngestLimits, PdfBackend
from ingest.backend import BACKENDS, ChunkBudget
from ingest.errors import (
    CorruptFile,
    EmptyFile,
    IngestError,
    LimitExceeded,
    PasswordRequired,
    WrongPassword,
)
from ingest.types import MediaType


@pytest.fixture(scope="module")
def encrypted_pdf(pdf_dir: Path) -> Path:
    return pdfgen.make_encrypted_pdf(pdf_dir / "locked.pdf", ["Privileged memo."], "s3cret")


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(EmptyFile):
        PdfBackend(path)


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("just some notes, not a PDF at all")
    with pytest.raises(CorruptFile, match="not a PDF"):
        PdfBackend(path)


def test_every_media_type_has_a_backend() -> None:
    assert set(BACKENDS) == set(MediaType)


def test_password_required(encrypted_pdf: Path) -> None:
    with pytest.raises(PasswordRequired):
        PdfBackend(encrypted_pdf)


def test_wrong_password(encrypted_pdf: Path) -> None:
    with pytest.raises(WrongPassword):
        PdfBackend(encrypted_pdf, password="guess")


def test_right_password(encrypted_pdf: Path) -> None:
    with PdfBackend(encrypted_pdf, password="s3cret") as backend:
        probe = backend.probe()
        (chunk,) = backend.chunks(ChunkBudget(context_tokens=1000, max_pages=5, overlap_pages=0))
    assert probe.encrypted and probe.pages == 1
    assert chunk.text() == "Privileged memo."


def test_truncated_beyond_repair(text_pdf: Path, tmp_path: Path) -> None:
    path = tmp_path / "cut.pdf"
    path.write_bytes(text_pdf.read_bytes()[:64])  # the header and half of the first object
    with pytest.raises(CorruptFile, match="damaged beyond repair"):
        PdfBackend(path)


def test_truncated_tail_is_repaired(text_pdf: Path, tmp_path: Path) -> None:
    path = pdfgen.make_truncated_pdf(text_pdf, tmp_path / "no-xref.pdf")
    with PdfBackend(path) as backend:
        probe = backend.probe()
        (chunk,) = backend.chunks(ChunkBudget(context_tokens=8000, max_pages=10, overlap_pages=0))
    assert probe.repaired and probe.pages == 4
    assert "Maria Alvarez" in chunk.text()


def test_truncated_middle_keeps_the_pages_before_the_cut(long_pdf: Path, tmp_path: Path) -> None:
    path = pdfgen.make_truncated_pdf(long_pdf, tmp_path / "half.pdf", keep=0.5)
    with PdfBackend(path) as backend:
        probe = backend.probe()
        chunks = list(
            backend.chunks(ChunkBudget(context_tokens=100_000, max_pages=200, overlap_pages=0))
        )
    assert probe.repaired and probe.pages == 120
    assert 40 < len(probe.text_layer_pages) < 80
    assert probe.unreadable_pages == list(range(len(probe.text_layer_pages) + 1, 121))
    methods = [part.method for chunk in chunks for part in chunk.parts]
    assert methods.count("none") == len(probe.unreadable_pages)


def test_broken_xref_is_repaired(tmp_path: Path) -> None:
    path = pdfgen.make_broken_xref_pdf(tmp_path / "xref.pdf", ["First page text.", "Second."])
    with PdfBackend(path) as backend:
        probe = backend.probe()
        (chunk,) = backend.chunks(ChunkBudget(context_tokens=8000, max_pages=10, overlap_pages=0))
    assert probe.repaired and probe.pages == 2
    assert chunk.text() == "First page text.\n\nSecond."


def test_cyclic_outline_does_not_hang(tmp_path: Path) -> None:
    path = pdfgen.make_cyclic_outline_pdf(tmp_path / "loop.pdf", ["Loop one.", "Loop two."])
    with PdfBackend(path) as backend:
        (chunk,) = backend.chunks(ChunkBudget(context_tokens=8000, max_pages=10, overlap_pages=0))
    assert chunk.text() == "Loop one.\n\nLoop two."


@pytest.mark.parametrize("make", [pdfgen.make_page_bomb_pdf, pdfgen.make_claimed_page_bomb_pdf])
def test_page_bomb_refused_fast(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    path = make(tmp_path / "bomb.pdf")
    assert path.stat().st_size < 4096
    started = time.perf_counter()
    with PdfBackend(path) as backend, pytest.raises(LimitExceeded, match="limit is 5,000"):
        backend.plan(ChunkBudget(context_tokens=8000, max_pages=10, overlap_pages=0))
    # Rendering 100,000 pages would take minutes: refusing must not touch them.
    assert time.perf_counter() - started < 10.0


def test_page_limit_is_configurable(text_pdf: Path) -> None:
    backend = PdfBackend(text_pdf, limits=IngestLimits(max_pages=3))
    with backend, pytest.raises(LimitExceeded, match="4 pages"):
        backend.probe()


def test_random_corruption_only_raises_ingest_errors(text_pdf: Path, tmp_path: Path) -> None:
    data = text_pdf.read_bytes()
    rng = random.Random(5)
    outcomes = set()
    for attempt in range(25):
        damaged = bytearray(data)
        for _ in range(rng.randint(1, 30)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        path = tmp_path / f"fuzz{attempt}.pdf"
        path.write_bytes(bytes(damaged))
        try:
            with PdfBackend(path) as backend:
                list(
                    backend.chunks(ChunkBudget(context_tokens=8000, max_pages=10, overlap_pages=1))
                )
            outcomes.add("ok")
        except IngestError as exc:
            outcomes.add(exc.code)
    assert outcomes <= {"ok", "corrupt_file"}


def test_noise_behind_a_pdf_header_is_refused_before_pdfium(tmp_path: Path) -> None:
    path = tmp_path / "noise.pdf"
    path.write_bytes(b"%PDF-1.7\n" + random.Random(3).randbytes(3 * 1024 * 1024))
    with pytest.raises(CorruptFile, match="no PDF objects"):
        PdfBackend(path)
