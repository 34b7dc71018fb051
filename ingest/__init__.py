"""Bytes in, chunk payloads out: sniffing, probing, planning and materializing source files.

`open_backend(path, sniff_file(path))` gives the backend for a file; importing this package
registers every backend in `BACKENDS`.
"""

from ingest.backend import BACKENDS, IngestBackend, IngestLimits, open_backend
from ingest.media import MediaBackend
from ingest.pdf import PdfBackend
from ingest.sniff import sniff_file, sniff_media_type

__all__ = [
    "BACKENDS",
    "IngestBackend",
    "IngestLimits",
    "MediaBackend",
    "PdfBackend",
    "open_backend",
    "sniff_file",
    "sniff_media_type",
]
