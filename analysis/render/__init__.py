"""Report renderers, by format name.

`render(report, "json")` or `render(report, "md")`. Formats are registered in `RENDERERS`;
later formats (html, srt, vtt, csv, dat, opt, pbcore) add an entry there.
"""

from __future__ import annotations

from collections.abc import Callable

from analysis.render.json_render import render_json, report_to_data
from analysis.render.markdown import render_markdown
from analysis.schema import Report

Renderer = Callable[[Report], str | bytes]

RENDERERS: dict[str, Renderer] = {
    "json": render_json,
    "md": render_markdown,
}


def formats() -> list[str]:
    """The format names `render` accepts."""
    return sorted(RENDERERS)


def render(report: Report, fmt: str) -> str | bytes:
    """Render `report` as `fmt`; an unknown format raises ValueError listing the known ones."""
    renderer = RENDERERS.get(fmt.strip().lower())
    if renderer is None:
        raise ValueError(f"unknown report format {fmt!r}; available: {', '.join(formats())}")
    return renderer(report)


__all__ = [
    "RENDERERS",
    "Renderer",
    "formats",
    "render",
    "render_json",
    "render_markdown",
    "report_to_data",
]
