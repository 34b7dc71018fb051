"""PDF backend: PDFium for structure, text layers and rendering; tesseract for scanned pages."""

from __future__ import annotations

from pathlib import Path

from ingest import _pdfium
from ingest.backend import ChunkBudget, IngestBackend, IngestLimits, register_backend
from ingest.errors import CorruptFile, LimitExceeded
from ingest.ocr import OcrSettings, ocr_pages
from ingest.plan import IMAGE_PAGE_TOKENS, plan_pages, text_tokens
from ingest.types import Chunk, ChunkPart, ChunkPlan, MediaType, PdfProbe, Span

# Text layers kept from probing so materializing does not extract them twice; past this many
# characters (about 64 MB of str) pages are extracted again when their chunk is built.
TEXT_CACHE_CHARS = 32_000_000


@register_backend
class PdfBackend(IngestBackend[PdfProbe]):
    """A PDF opened with PDFium (which repairs broken cross-reference tables on open)."""

    media_types = frozenset({MediaType.PDF})

    def __init__(
        self, path: Path, *, password: str | None = None, limits: IngestLimits | None = None
    ) -> None:
        super().__init__(path, password=password, limits=limits)
        self._doc = _pdfium.open_document(self.path, password)
        self._closed = False
        self._probe: PdfProbe | None = None
        self._texts: dict[int, str] = {}
        self._ocr_texts: dict[int, str] = {}  # OCR is ~1 CPU-s a page: never twice
        self._estimates: list[int] = []

    def probe(self) -> PdfProbe:
        """Pages, encryption, title and each page's text layer; refuses page bombs unscanned."""
        if self._probe is None:
            self._probe = self._scan()
        return self._probe

    def _scan(self) -> PdfProbe:
        info = _pdfium.document_info(self._doc)
        if info.pages > self.limits.max_pages:
            raise LimitExceeded(
                f"The PDF has {info.pages:,} pages; the limit is {self.limits.max_pages:,}."
            )
        if info.pages == 0:
            raise CorruptFile("The PDF has no pages.")
        text_layer, ocr, unreadable, chars, estimates = [], [], [], [], []
        self._texts = {}
        cached = 0
        for number in range(1, info.pages + 1):
            scan = _pdfium.scan_page(self._doc, number)
            text = scan.text or ""
            chars.append(len(text))
            if scan.text is None:
                unreadable.append(number)
                estimates.append(1)
            elif scan.text_layer:
                text_layer.append(number)
                estimates.append(text_tokens(len(text)))
                if cached + len(text) <= TEXT_CACHE_CHARS:
                    self._texts[number] = text
                    cached += len(text)
            elif scan.needs_ocr:
                ocr.append(number)
                estimates.append(IMAGE_PAGE_TOKENS)
            else:
                estimates.append(1)
        if len(unreadable) == info.pages:
            raise CorruptFile(f"None of the {info.pages:,} pages of the PDF could be read.")
        self._estimates = estimates
        return PdfProbe(
            pages=info.pages,
            encrypted=info.encrypted,
            text_layer_pages=text_layer,
            title=info.title,
            repaired=info.repaired,
            page_chars=chars,
            ocr_pages=ocr,
            unreadable_pages=unreadable,
        )

    def plan(self, budget: ChunkBudget) -> list[ChunkPlan]:
        """Page ranges of at most `max_pages` pages and about `context_tokens` tokens each."""
        self.probe()
        return plan_pages(
            self._estimates, budget.context_tokens, budget.max_pages, budget.overlap_pages
        )

    def materialize(self, plan: ChunkPlan) -> Chunk:
        """One text part per page of the plan's span, OCR-ing the pages that need it."""
        probe = self.probe()
        first, last = plan.span.page_start, plan.span.page_end
        if first is None or last is None or last > probe.pages:
            raise ValueError(f"plan span {plan.span.label()} is not within pages 1-{probe.pages}")
        pages = range(first, last + 1)
        ocr_set = set(probe.ocr_pages)
        ocr_text = self._ocr([page for page in pages if page in ocr_set])
        text_layer = set(probe.text_layer_pages)
        parts = [self._part(page, page in text_layer, ocr_text.get(page)) for page in pages]
        return Chunk(
            index=plan.index,
            span=plan.span,
            overlap_pages=plan.overlap_pages,
            parts=parts,
            token_estimate=sum(text_tokens(len(part.text or "")) for part in parts),
        )

    def _part(self, page: int, has_text_layer: bool, ocr_text: str | None) -> ChunkPart:
        if has_text_layer:
            text = self._texts.get(page)
            if text is None:
                text = _pdfium.page_text(self._doc, page)
            method = "text-layer"
        else:
            text = ocr_text or ""
            method = "ocr"
        return ChunkPart(
            kind="text", span=Span.pages(page), text=text, method=method if text else "none"
        )

    def _ocr(self, pages: list[int]) -> dict[int, str]:
        """OCR text of `pages`; a page shared by two overlapping chunks is read once."""
        wanted = [page for page in pages if page not in self._ocr_texts]
        if wanted:
            self._ocr_texts.update(self._run_ocr(wanted))
        return {page: self._ocr_texts[page] for page in pages if page in self._ocr_texts}

    def _run_ocr(self, pages: list[int]) -> dict[int, str]:
        limits = self.limits
        settings = OcrSettings(
            languages=limits.ocr_languages,
            dpi=limits.ocr_dpi,
            workers=limits.ocr_workers,
            timeout_s=limits.ocr_timeout_s,
            tesseract_cmd=limits.tesseract_cmd,
        )
        return ocr_pages(
            pages, lambda page: _pdfium.render_page(self._doc, page, limits.ocr_dpi), settings
        )

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _pdfium.close_document(self._doc)
