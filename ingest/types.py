"""Types that leave the ingest package: spans, media types, probes and chunk payloads.

Every position here is absolute in the source file: seconds from the start of the media,
or 1-based page numbers. Nothing downstream ever has to add an offset.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final, Literal, Self

from pydantic import BaseModel, ConfigDict, model_validator


class MediaType(StrEnum):
    """What a file really is, decided from its bytes (see `ingest.sniff`)."""

    PDF = "application/pdf"
    MP4 = "video/mp4"
    QUICKTIME = "video/quicktime"
    MATROSKA = "video/x-matroska"
    WEBM = "video/webm"
    AVI = "video/x-msvideo"
    WAV = "audio/wav"
    MP3 = "audio/mpeg"
    FLAC = "audio/flac"
    OGG = "audio/ogg"
    M4A = "audio/mp4"
    AAC = "audio/aac"

    @property
    def is_document(self) -> bool:
        return self is MediaType.PDF


class Span(BaseModel):
    """Where a finding lives: `start_s`/`end_s` for media, or `page_start`/`page_end` (1-based)."""

    model_config = ConfigDict(frozen=True)

    start_s: float | None = None
    end_s: float | None = None
    page_start: int | None = None
    page_end: int | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        is_time = self.start_s is not None and self.end_s is not None
        is_page = self.page_start is not None and self.page_end is not None
        if is_time == is_page:
            raise ValueError("a span is either start_s/end_s or page_start/page_end")
        if is_time and self.end_s < self.start_s:  # type: ignore[operator]
            raise ValueError("end_s before start_s")
        if is_page and (self.page_start < 1 or self.page_end < self.page_start):  # type: ignore[operator]
            raise ValueError("pages are 1-based and page_end >= page_start")
        return self

    @classmethod
    def pages(cls, first: int, last: int | None = None) -> Span:
        return cls(page_start=first, page_end=first if last is None else last)

    @classmethod
    def seconds(cls, start: float, end: float) -> Span:
        return cls(start_s=round(start, 3), end_s=round(end, 3))

    @property
    def is_pages(self) -> bool:
        return self.page_start is not None

    def sort_key(self) -> tuple[float, float]:
        if self.is_pages:
            return (float(self.page_start or 0), float(self.page_end or 0))
        return (self.start_s or 0.0, self.end_s or 0.0)

    def overlaps(self, other: Span) -> bool:
        a0, a1 = self.sort_key()
        b0, b1 = other.sort_key()
        return a0 <= b1 and b0 <= a1

    def label(self) -> str:
        """Human form used in Markdown: 'p. 3', 'pp. 3–5', '00:01:02–00:01:09'."""
        if self.is_pages:
            if self.page_start == self.page_end:
                return f"p. {self.page_start}"
            return f"pp. {self.page_start}–{self.page_end}"
        return f"{_clock(self.start_s or 0.0)}–{_clock(self.end_s or 0.0)}"


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


class PdfProbe(BaseModel):
    """What `ingest.pdf.probe_pdf` learns about a document before any chunking."""

    pages: int
    encrypted: bool
    text_layer_pages: list[int]  # 1-based pages whose text layer has usable text
    title: str | None = None
    repaired: bool = False  # PDFium had to rebuild a broken cross-reference table
    page_chars: list[int] = []  # characters in each page's text layer (index 0 is page 1)
    ocr_pages: list[int] = []  # 1-based pages without usable text but with images or drawings
    unreadable_pages: list[int] = []  # 1-based pages PDFium could not load at all


class VideoStream(BaseModel):
    codec: str
    width: int
    height: int
    fps: float | None = None
    rotation: int = 0  # degrees clockwise the player must rotate the picture
    frames: int | None = None


class AudioStream(BaseModel):
    codec: str
    sample_rate: int
    channels: int


class MediaProbe(BaseModel):
    """What `ingest.media` learns from ffprobe before any chunking."""

    duration_s: float
    container: str  # ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    video: VideoStream | None = None
    audio: AudioStream | None = None
    bit_rate: int | None = None
    keyframes_s: list[float] = []  # key frame times of the video stream (stream-copy cut points)


class PageText(BaseModel):
    """The text of one page and how it was obtained."""

    page: int
    text: str
    method: Literal["text-layer", "ocr", "none"]


# `ChunkPart.method` of the image a video chunk carries of the last frame shown before its
# segment starts (its span is that frame's time, before the segment): evidence for whether the
# segment's first shot continues the previous segment's last one. It is not a keyframe of the
# chunk's own time.
FRAME_BEFORE_SEGMENT: Final = "frame-before-segment"


class ChunkPart(BaseModel):
    """One piece of a chunk payload: inline text, or a blob in the blob store."""

    kind: Literal["text", "image", "audio", "video"]
    mime: str = "text/plain"
    span: Span
    text: str | None = None
    blob_key: str | None = None
    # A local file holding the part's bytes. Ingest writes parts into its work directory;
    # the shell moves them into the blob store (setting blob_key) and, before analysis,
    # points `path` at a local copy the provider can read.
    path: str | None = None
    method: str | None = None  # e.g. "text-layer" or "ocr" for page text, FRAME_BEFORE_SEGMENT


class Chunk(BaseModel):
    """A planned, materialized unit of analysis. `span` includes the overlap."""

    index: int
    span: Span
    overlap_pages: int = 0  # leading pages shared with the previous chunk
    overlap_s: float = 0.0  # leading seconds shared with the previous chunk
    parts: list[ChunkPart]
    token_estimate: int
    language: str | None = None

    def text(self) -> str:
        return "\n\n".join(part.text for part in self.parts if part.text)


class ChunkPlan(BaseModel):
    """A chunk before materialization: the plan is stored before any analysis starts."""

    index: int
    span: Span
    overlap_pages: int = 0
    overlap_s: float = 0.0
    token_estimate: int
    max_frames: int | None = None  # media: keyframe images per chunk at most (None: no limit)
