"""Generated PDFs, written once per session (OCR pages are the slow part of the suite)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixtures import mediagen, pdfgen

TEXT_PAGES = [
    "Deposition of Maria Alvarez, taken on March 3, 2021 in Boston.",
    "Northwind Logistics wired $12,500.00 to the escrow account of Apex Biotech.",
    "",  # a blank page
    "Exhibit 14 is the letter from Henrik Novak dated June 9, 2019.",
]
SCANNED_PAGES = [
    "INVOICE 4471\nNorthwind Logistics shipped forty crates to Harbor Street on March 3.",
    "RECEIPT\nPaid in full by Granite Peak Insurance. Signed by Priya Patel.",
]


@pytest.fixture(scope="session")
def pdf_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


@pytest.fixture(scope="session")
def text_pdf(pdf_dir: Path) -> Path:
    return pdfgen.make_text_pdf(pdf_dir / "text.pdf", TEXT_PAGES, title="Alvarez deposition")


@pytest.fixture(scope="session")
def scanned_pdf(pdf_dir: Path) -> Path:
    return pdfgen.make_image_pdf(pdf_dir / "scanned.pdf", SCANNED_PAGES)


@pytest.fixture(scope="session")
def long_pdf(pdf_dir: Path) -> Path:
    return pdfgen.make_text_pdf(pdf_dir / "long.pdf", pdfgen.long_document_pages(120, seed=7))


# ---------------------------------------------------------------- media (fixtures/mediagen.py)

SHOTS, SHOT_S, GOP_S = 4, 3.0, 2.0  # cuts at 0, 3, 6, 9 s; key frames every 2 s and at cuts


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="session")
def cut_video(media_dir: Path) -> Path:
    """12 s of 320x180 H.264 + AAC tone, 4 shots of 3 s."""
    return mediagen.make_cut_video(media_dir / "cuts.mp4", SHOTS, SHOT_S, gop_s=GOP_S)


@pytest.fixture(scope="session")
def silent_video(media_dir: Path) -> Path:
    return mediagen.make_cut_video(media_dir / "silent.mp4", 3, 2.0, with_audio=False)


@pytest.fixture(scope="session")
def speech_wav(media_dir: Path) -> Path:
    text = "The deposition of Maria Alvarez began at nine in the morning in Boston."
    return mediagen.make_speech_wav(media_dir / "speech.wav", text)
