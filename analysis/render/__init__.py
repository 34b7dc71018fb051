"""Report renderers, by format name.

`render(report, "json")`, `render(report, "md")`, `render(report, "srt")`. Formats are
registered in `RENDERERS`: json, md, html, srt, vtt, csv, dat, opt, pbcore. Renderers whose
format fixes its bytes (BOM, CRLF: csv, dat, opt) return bytes, to be written as they are;
`CONTENT_TYPES` gives the media type to serve each format with.
A renderer raises `FormatNotApplicable` (a ValueError) when the report has nothing the format
can express, e.g. subtitles for a PDF: the API should answer it with a 4xx, not a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.render.csv_render import render_csv
from analysis.render.dat import render_dat
from analysis.render.html_render import render_html
from analysis.render.json_render import render_json, report_to_data
from analysis.render.markdown import render_markdown
from analysis.render.opt import render_opt
from analysis.render.pbcore import render_pbcore
from analysis.render.subtitles import FormatNotApplicable, render_srt, render_vtt
from analysis.schema import Report

Renderer = Callable[[Report], str | bytes]

RENDERERS: dict[str, Renderer] = {
    "json": render_json,
    "md": render_markdown,
    "html": render_html,
    "srt": render_srt,
    "vtt": render_vtt,
    "csv": render_csv,
    "dat": render_dat,
    "opt": render_opt,
    "pbcore": render_pbcore,
}

CONTENT_TYPES: dict[str, str] = {
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
    "dat": "application/octet-stream",
    "opt": "application/octet-stream",
    "pbcore": "application/xml; charset=utf-8",
}


def formats() -> list[str]:
    """The format names `render` accepts."""
    return sorted(RENDERERS)


def render(report: Report, fmt: str) -> str | bytes:
    """Render `report` as `fmt`; an unknown format raises ValueError listing the known ones,
    a format the report cannot fill raises `FormatNotApplicable`."""
    renderer = RENDERERS.get(fmt.strip().lower())
    if renderer is None:
        raise ValueError(f"unknown report format {fmt!r}; available: {', '.join(formats())}")
    return renderer(report)


__all__ = [
    "CONTENT_TYPES",
    "RENDERERS",
    "FormatNotApplicable",
    "Renderer",
    "formats",
    "render",
    "render_csv",
    "render_dat",
    "render_html",
    "render_json",
    "render_markdown",
    "render_opt",
    "render_pbcore",
    "render_srt",
    "render_vtt",
    "report_to_data",
]
