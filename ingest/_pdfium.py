"""Every PDFium call ingest makes, mapped to `IngestError`s and serialized by one lock.

PDFium is not thread-safe, not even across different documents, so all calls take
`PDFIUM_LOCK`. Whatever thread a backend is used from, at most one PDFium call runs at a time.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from ingest.errors import CorruptFile, EmptyFile, IngestError, PasswordRequired, WrongPassword

PDFIUM_LOCK = threading.RLock()

# A text layer needs this many visible characters before it counts as the page's text when
# the page also has images or drawings (scans often carry a Bates number or stamp as text).
MIN_USABLE_CHARS = 32
_UNREADABLE = re.compile(r"[\ufffd\ue000-\uf8ff\x00-\x08\x0b\x0c\x0e-\x1f]")
# A page rendered for OCR never exceeds this (A3 at 300 dpi); larger pages render coarser.
MAX_RENDER_PIXELS = 18_000_000
# Files up to this size are read into memory to rebuild a trailer lost to truncation.
MAX_SALVAGE_BYTES = 256 * 1024 * 1024
OBJECT_SCAN_BYTES = 1024 * 1024
_OBJ_HEADER = re.compile(rb"(\d+)\s+(\d+)\s+obj\b")
_NEWLINES = re.compile(r"\r\n?")
_SPACE = re.compile(r"\s+")


@contextmanager
def pdfium_errors(what: str) -> Iterator[None]:
    """Turn any PDFium failure inside the block into a `CorruptFile` naming `what` failed."""
    try:
        yield
    except IngestError:
        raise
    except (pdfium.PdfiumError, OSError, ValueError, MemoryError) as exc:
        raise CorruptFile(f"The PDF could not be read ({what}): {exc}") from exc


def open_document(path: Path, password: str | None) -> pdfium.PdfDocument:
    """Open a PDF, letting PDFium rebuild a broken cross-reference table if it can."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if not head:
        raise EmptyFile("The file is empty (0 bytes).")
    if b"%PDF-" not in head:
        raise CorruptFile("The file is not a PDF: it has no %PDF- header in its first 1 KiB.")
    _require_objects(path)
    with PDFIUM_LOCK:
        try:
            return pdfium.PdfDocument(path, password=password)
        except pdfium.PdfiumError as exc:
            error = _open_error(exc, password)
            if exc.err_code == pdfium_c.FPDF_ERR_FORMAT:
                salvaged = _salvage_lost_trailer(path, password)
                if salvaged is not None:
                    return salvaged
            raise error from exc


def _require_objects(path: Path) -> None:
    """Refuse, cheaply, a file that has a PDF header but no PDF objects near its start.

    PDFium answers such a file (say 2 GB of noise behind "%PDF-1.7") by scanning all of it
    to rebuild a cross-reference table: hundreds of MB and seconds under the global lock,
    stalling every other job's ingest. Every real PDF defines an object in its first MiB.
    """
    with path.open("rb") as handle:
        start = handle.read(OBJECT_SCAN_BYTES)
    if _OBJ_HEADER.search(start) is None:
        raise CorruptFile(
            "The file starts like a PDF but holds no PDF objects in its first "
            f"{OBJECT_SCAN_BYTES // (1024 * 1024)} MiB; it is not a readable PDF."
        )


def _salvage_lost_trailer(path: Path, password: str | None) -> pdfium.PdfDocument | None:
    """Reopen a PDF cut short before its trailer by appending one that names its catalog.

    PDFium rebuilds a lost cross-reference table by scanning for objects, but it finds the
    document's root only through a trailer; a file truncated mid-download has none.
    """
    if path.stat().st_size > MAX_SALVAGE_BYTES:
        return None
    data = path.read_bytes()
    at = data.rfind(b"/Catalog")
    if at < 0:
        return None
    headers = list(_OBJ_HEADER.finditer(data, max(0, at - 4096), at))
    if not headers:
        return None
    number, generation = headers[-1].groups()
    trailer = b"\ntrailer\n<< /Root %s %s R >>\n%%%%EOF\n" % (number, generation)
    for closing in (b"\nendstream\nendobj", b""):  # the cut may fall inside a stream
        try:
            return pdfium.PdfDocument(data + closing + trailer, password=password)
        except pdfium.PdfiumError:
            continue
    return None


def _open_error(exc: pdfium.PdfiumError, password: str | None) -> IngestError:
    code = exc.err_code
    if code == pdfium_c.FPDF_ERR_PASSWORD:
        if password:
            return WrongPassword("The password given for this PDF is not correct.")
        return PasswordRequired("This PDF is encrypted: submit it again with its password.")
    if code == pdfium_c.FPDF_ERR_SECURITY:
        return CorruptFile("The PDF uses an encryption scheme that PDFium does not support.")
    if code == pdfium_c.FPDF_ERR_FORMAT:
        return CorruptFile(
            "The PDF is damaged beyond repair (often a download or copy cut short): "
            "its page structure could not be found or rebuilt."
        )
    return CorruptFile(f"The PDF could not be opened: {exc}")


@dataclass(frozen=True)
class DocumentInfo:
    pages: int
    encrypted: bool
    title: str | None
    repaired: bool


def document_info(doc: pdfium.PdfDocument) -> DocumentInfo:
    with PDFIUM_LOCK, pdfium_errors("document information"):
        pages = len(doc)
        encrypted = pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1
        repaired = not pdfium_c.FPDF_DocumentHasValidCrossReferenceTable(doc.raw)
        title = (doc.get_metadata_value("Title") or "").strip() or None
    return DocumentInfo(pages=pages, encrypted=encrypted, title=title, repaired=repaired)


@dataclass(frozen=True)
class PageScan:
    """One page as probing sees it. `text` is None when the page could not be loaded."""

    number: int
    text: str | None
    has_graphics: bool

    @property
    def text_layer(self) -> bool:
        """True when the text layer is the page's text (rather than a stamp on a scan)."""
        if not self.text:
            return False
        visible = visible_chars(self.text)
        if visible - len(_UNREADABLE.findall(self.text)) < visible / 2:
            return False  # fonts without a Unicode map: the layer is mojibake, OCR instead
        return visible >= MIN_USABLE_CHARS or not self.has_graphics

    @property
    def needs_ocr(self) -> bool:
        """Images or drawings with no usable text layer, or a layer that does not decode."""
        if self.text is None or self.text_layer:
            return False
        return self.has_graphics or bool(self.text)


def visible_chars(text: str) -> int:
    """Characters that are not whitespace."""
    return len(text) - sum(len(run) for run in _SPACE.findall(text))


def scan_page(doc: pdfium.PdfDocument, number: int) -> PageScan:
    """Load page `number` (1-based): its text layer and whether it has images or drawings."""
    with PDFIUM_LOCK:
        try:
            page = doc[number - 1]
        except pdfium.PdfiumError:
            return PageScan(number, None, has_graphics=False)
        try:
            text = _page_text(page)
            graphics = visible_chars(text) < MIN_USABLE_CHARS and _has_graphics(page)
        except pdfium.PdfiumError:
            return PageScan(number, None, has_graphics=False)
        finally:
            page.close()
    return PageScan(number, text, graphics)


def _page_text(page: pdfium.PdfPage) -> str:
    textpage = page.get_textpage()
    try:
        text: str = textpage.get_text_bounded()
    finally:
        textpage.close()
    return _NEWLINES.sub("\n", text).strip()


def _has_graphics(page: pdfium.PdfPage) -> bool:
    count = pdfium_c.FPDFPage_CountObjects(page.raw)
    for index in range(count):
        kind = pdfium_c.FPDFPageObj_GetType(pdfium_c.FPDFPage_GetObject(page.raw, index))
        if kind != pdfium_c.FPDF_PAGEOBJ_TEXT:
            return True
    return False


def page_text(doc: pdfium.PdfDocument, number: int) -> str:
    with PDFIUM_LOCK, pdfium_errors(f"text of page {number}"):
        page = doc[number - 1]
        try:
            return _page_text(page)
        finally:
            page.close()


def render_page(doc: pdfium.PdfDocument, number: int, dpi: int) -> Image.Image:
    """Page `number` as a grayscale image at `dpi` (less for huge pages), for OCR."""
    with PDFIUM_LOCK, pdfium_errors(f"rendering page {number}"):
        page = doc[number - 1]
        try:
            width, height = page.get_size()
            scale = dpi / 72
            pixels = width * height * scale * scale
            if pixels > MAX_RENDER_PIXELS:
                scale *= math.sqrt(MAX_RENDER_PIXELS / pixels)
            bitmap = page.render(scale=scale, grayscale=True)
            image: Image.Image = bitmap.to_pil().copy()  # detach from PDFium's buffer
            bitmap.close()
        finally:
            page.close()
    return image


def close_document(doc: pdfium.PdfDocument) -> None:
    with PDFIUM_LOCK:
        doc.close()
