"""Report renderers, by format name.

`render(report, "json")`, `render(report, "md")`, `render(report, "srt")`. Formats are
registered in `RENDERERS`; later formats (html, csv, dat, opt, pbcore) add an entry there.
A renderer raises `FormatNotApplicable` (a ValueError) when the report has nothing the format
can express, e.g. subtitles for a PDF: the API should answer it with a 4xx, not a 500.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.render.json_render import render_json, report_to_data
from analysis.render.markdown import render_markdown
from analysis.render.subtitles import FormatNotApplicable, render_srt, render_vtt
from analysis.schema import Report

Renderer = Callable[[Report], str | bytes]

RENDERERS: dict[str, Renderer] = {
    "json": render_json,
    "md": render_markdown,
    "srt": render_srt,
    "vtt": render_vtt,
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
    "RENDERERS",
    "FormatNotApplicable",
    "Renderer",
    "formats",
    "render",
    "render_json",
    "render_markdown",
    "render_srt",
    "render_vtt",
    "report_to_data",
]
