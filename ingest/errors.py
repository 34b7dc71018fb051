"""Ingest errors: bad input that the job reports as its failure reason.

`code` is stable and machine-readable (it becomes the API error code); `message` is for people.
"""

from __future__ import annotations


class IngestError(Exception):
    code = "bad_input"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UnsupportedMediaType(IngestError):
    code = "unsupported_media_type"


class EmptyFile(IngestError):
    code = "empty_file"


class CorruptFile(IngestError):
    code = "corrupt_file"


class PasswordRequired(IngestError):
    code = "password_required"


class WrongPassword(IngestError):
    code = "wrong_password"


class LimitExceeded(IngestError):
    code = "limit_exceeded"


class OcrUnavailable(IngestError):
    """Pages need OCR but tesseract (or its language data) is not installed on this server."""

    code = "ocr_unavailable"


class OcrFailed(IngestError):
    """Tesseract ran but failed or timed out on a page; the chunk holding it fails."""

    code = "ocr_failed"


class ToolUnavailable(IngestError):
    """A program ingest needs (ffmpeg, ffprobe) is not installed or cannot be run here."""

    code = "tool_unavailable"
