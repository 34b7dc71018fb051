"""Opticon (OPT) image cross-reference for a document: one line per page.

    LFABABABAB-000001,LONGFORM,IMAGES\\ababababab\\000001.png,Y,,,10
    LFABABABAB-000002,LONGFORM,IMAGES\\ababababab\\000002.png,,,,

Fields: image key (the page's Bates-like number, the same key as BEGBATES/ENDBATES in the
DAT file), volume (`LONGFORM`), image path, document break (`Y` on a document's first page),
folder break and box break (empty), page count (on the first page only). Lines end in CRLF;
the file is plain ASCII without a byte-order mark, as Opticon loaders expect.

Image paths are relative to the load file, Windows-style as review platforms write them:
`IMAGES\\<first 10 hex digits of the SHA-256>\\<page:06d>.png`. The page images themselves are
not exported yet: a production must place the rendered pages there before loading the images.
Every page of the document is listed, analysed or not (a gap in the analysis is not a missing
page). A media report has no pages, so it raises `FormatNotApplicable`.
"""

from __future__ import annotations

from typing import Final

from analysis.render._common import page_key, sha_prefix
from analysis.render.subtitles import FormatNotApplicable
from analysis.schema import Report

VOLUME: Final = "LONGFORM"


def render_opt(report: Report) -> bytes:
    pages = _page_count(report)
    folder = sha_prefix(report.source, 10)
    lines = [
        ",".join(
            [
                page_key(report.source, page),
                VOLUME,
                f"IMAGES\\{folder}\\{page:06d}.png",
                "Y" if page == 1 else "",
                "",
                "",
                str(pages) if page == 1 else "",
            ]
        )
        for page in range(1, pages + 1)
    ]
    return "".join(line + "\r\n" for line in lines).encode("ascii")


def _page_count(report: Report) -> int:
    src = report.source
    if src.pages:
        return src.pages
    if src.duration_s is not None or not src.media_type.endswith("/pdf"):
        raise FormatNotApplicable(
            f"opt (Opticon image cross-reference) lists page images of a document; "
            f"{src.media_type} has no pages: use dat for media load files"
        )
    raise FormatNotApplicable("opt needs the document's page count, and this report has none")
