"""OCR for pages without a text layer: tesseract, one single-threaded process per page.

Pages are rendered by the caller (PDFium stays on one thread) and handed over one at a time;
a thread pool keeps up to `workers` tesseract processes busy, so the parallelism is across
processes and the GIL is no bottleneck. Tesseract runs with OMP_THREAD_LIMIT=1: its OpenMP
threads only fight each other when several pages run at once.

Tesseract is called directly rather than through pytesseract, which can neither pass an
environment nor a command per call (both are module globals there) and round-trips every
page through temporary files; here the PNG goes to stdin and the text comes back on stdout.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image

from ingest.errors import OcrFailed, OcrUnavailable


@dataclass(frozen=True)
class OcrSettings:
    languages: str = "eng"
    dpi: int = 200
    workers: int = 1
    timeout_s: float = 120.0
    tesseract_cmd: str = "tesseract"


def check_tesseract(settings: OcrSettings) -> None:
    """Raise `OcrUnavailable` unless tesseract and every requested language are installed."""
    command = shutil.which(settings.tesseract_cmd)
    if command is None:
        raise OcrUnavailable(
            f"Some pages are scanned images and need OCR, but tesseract ({settings.tesseract_cmd})"
            " is not installed on this server (Debian/Ubuntu: apt-get install tesseract-ocr)."
        )
    installed = _languages(command)
    missing = [lang for lang in settings.languages.split("+") if lang not in installed]
    if missing:
        raise OcrUnavailable(
            f"OCR language data missing for {', '.join(missing)}; installed: "
            f"{', '.join(sorted(installed)) or 'none'} (apt-get install tesseract-ocr-<lang>)."
        )


# ISO 639-1 (what jobs and language detection speak) → tesseract's traineddata names.
TESSERACT_CODES = {
    "en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por",
    "nl": "nld", "sv": "swe", "da": "dan", "no": "nor", "fi": "fin", "hu": "hun",
    "pl": "pol", "cs": "ces", "ro": "ron", "ru": "rus", "uk": "ukr", "tr": "tur",
    "el": "ell", "ar": "ara", "he": "heb", "zh": "chi_sim", "ja": "jpn", "ko": "kor",
    "th": "tha", "vi": "vie", "id": "ind", "hi": "hin",
}  # fmt: skip


def ocr_languages(
    base: str, wanted: list[str], tesseract_cmd: str = "tesseract"
) -> tuple[str, list[str]]:
    """Tesseract's `-l` value for `base` plus the installed packs of `wanted` (ISO 639-1),
    and the wanted languages it cannot read (no pack installed, or no such pack)."""
    command = shutil.which(tesseract_cmd)
    installed = _languages(command) if command else frozenset()
    chosen = [lang for lang in base.split("+") if lang]
    missing: list[str] = []
    for code in wanted:
        pack = TESSERACT_CODES.get(code.lower())
        if pack is None or pack not in installed:
            missing.append(code)
        elif pack not in chosen:
            chosen.append(pack)
    return "+".join(chosen), missing


@lru_cache(maxsize=8)
def _languages(command: str) -> frozenset[str]:
    try:
        listing = subprocess.run(
            [command, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise OcrUnavailable(f"tesseract could not be started: {exc}") from exc
    lines = listing.stdout.splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def ocr_image(
    image: Image.Image, settings: OcrSettings, *, min_confidence: float | None = None
) -> str:
    """Text of one page image (tesseract's automatic page segmentation).

    With `min_confidence` (0–100), words tesseract is less sure of are dropped: video frames
    full of texture and no text otherwise come back as strings of junk ("eoece oe").
    """
    png = io.BytesIO()
    image.save(png, format="PNG", compress_level=1)
    command = [
        settings.tesseract_cmd, "stdin", "stdout",
        "-l", settings.languages, "--dpi", str(settings.dpi), "--psm", "3",
    ]  # fmt: skip
    if min_confidence is not None:
        command.append("tsv")
        return _confident_text(_run_tesseract(command, png.getvalue(), settings), min_confidence)
    return _run_tesseract(command, png.getvalue(), settings)


def _confident_text(tsv: str, min_confidence: float) -> str:
    """Rebuild text from tesseract's TSV, keeping confident words; blocks split by blank lines."""
    blocks: dict[int, dict[tuple[int, int], list[str]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        try:
            confident = float(cells[10]) >= min_confidence
        except ValueError:
            continue
        if confident:
            line = blocks.setdefault(int(cells[2]), {}).setdefault(
                (int(cells[3]), int(cells[4])), []
            )
            line.append(cells[11])
    return "\n\n".join(
        "\n".join(" ".join(words) for words in lines.values()) for lines in blocks.values()
    )


def _run_tesseract(command: list[str], png: bytes, settings: OcrSettings) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    try:
        done = subprocess.run(
            command, input=png, capture_output=True, env=env,
            timeout=settings.timeout_s, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as exc:
        raise OcrFailed(f"OCR took longer than {settings.timeout_s:.0f} s on one page") from exc
    except OSError as exc:
        raise OcrUnavailable(f"tesseract could not be started: {exc}") from exc
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise OcrFailed(f"tesseract failed: {reason[-1] if reason else done.returncode}")
    return done.stdout.decode("utf-8", "replace").strip()


def ocr_pages(
    pages: Iterable[int], render: Callable[[int], Image.Image], settings: OcrSettings
) -> dict[int, str]:
    """OCR text for each page number. `render` runs on the calling thread, tesseract in parallel.

    At most `2 * workers` rendered pages wait in memory at any time.
    """
    check_tesseract(settings)
    workers = max(1, settings.workers)
    results: dict[int, str] = {}
    pending: dict[int, Future[str]] = {}
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ocr") as pool:
        try:
            for page in pages:
                if len(pending) >= 2 * workers:
                    _collect_oldest(pending, results)
                pending[page] = pool.submit(ocr_image, render(page), settings)
            while pending:
                _collect_oldest(pending, results)
        finally:
            for future in pending.values():
                future.cancel()
    return results


def _collect_oldest(pending: dict[int, Future[str]], results: dict[int, str]) -> None:
    page = next(iter(pending))
    results[page] = pending.pop(page).result()
