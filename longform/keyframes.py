"""Keyframes beside a report: exported as files, or embedded into the HTML report.

Reports cite keyframes as `keyframes/NAME`, relative to the report. Served by the API that
resolves to `/v1/jobs/{id}/keyframes/NAME`; written by `longform analyze` it resolves to the
`keyframes/` folder written next to the report. A browser sends no API key with an <img>,
so the API can instead embed them (`?embed=true`), making the HTML truly one file.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

from longform.blobs import BlobStore
from longform.chunkwork import keyframe_key

_SRC = re.compile(r'src="keyframes/([A-Za-z0-9][A-Za-z0-9._-]{0,127}\.jpe?g)"')
# The renderer writes its meta CSP attribute escaped: 'self' appears as &#x27;self&#x27;.
_CSP_IMG = "img-src &#x27;self&#x27;"


def cited(report_html_or_md: str) -> set[str]:
    return set(
        re.findall(r"keyframes/([A-Za-z0-9][A-Za-z0-9._-]{0,127}\.jpe?g)", report_html_or_md)
    )


def export(blobs: BlobStore, job_id: str, names: set[str], out_dir: Path) -> int:
    """Copy the cited keyframes into `out_dir/keyframes/`; returns how many were written."""
    written = 0
    for name in sorted(names):
        key = keyframe_key(job_id, name)
        if blobs.exists(key):
            target = out_dir / "keyframes" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blobs.get(key))
            written += 1
    return written


def embed(html: str, blobs: BlobStore, job_id: str) -> str:
    """Replace each `src="keyframes/NAME"` with a data: URI and allow data: images in the CSP."""

    def data_uri(match: re.Match[str]) -> str:
        key = keyframe_key(job_id, match.group(1))
        if not blobs.exists(key):
            return match.group(0)
        encoded = base64.b64encode(blobs.get(key)).decode("ascii")
        return f'src="data:image/jpeg;base64,{encoded}"'

    embedded = _SRC.sub(data_uri, html)
    if _CSP_IMG not in embedded:
        raise ValueError("the HTML report has no img-src policy to extend")  # renderer changed
    return embedded.replace(_CSP_IMG, f"{_CSP_IMG} data:", 1)
