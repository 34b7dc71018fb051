"""HTML building blocks: escaping, citation links and their anchors, tables, the page shell.

Every piece of text that reaches the page goes through `esc` (`html.escape` with quote=True),
in element content and in attribute values alike; callers never concatenate raw source text.
The only URLs written are fragment links (`#t=…`, `#p-…`, `#…` to our own section ids) and
`keyframes/<plain file name>`, so no source string can become a scheme, a tag or an attribute.

Citations link to anchors in the same file:

- a time links to `#t=<seconds>`, the id of the transcript segment at or before it (the
  transcript is the place to read around a moment). Without a transcript the scenes carry the
  `t=` ids, and without scenes the on-screen text does; a time before the first target links to
  the first one. A report with none of those shows times as plain text.
- a page links to `#p-<n>`, a row of the page index: every page any span of the report starts
  on, with whether it was analysed (or the gap's reason) and what was found there.
"""

from __future__ import annotations

import base64
import bisect
import hashlib
import re
from collections.abc import Iterable, Iterator, Sequence
from html import escape

from pydantic import BaseModel

from analysis.schema import Report
from ingest.types import Span

CSS = """
:root{--ink:#1b1b1b;--mute:#5b5b5b;--line:#d6d6d6;--warn:#8a1c00;--warnbg:#fff1ec;--acc:#0b4f8a}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);
margin:0 auto;max-width:72rem;padding:1.5rem}
h1{font-size:1.6rem;margin:0 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.25rem;border-bottom:2px solid var(--line);padding-bottom:.2rem;margin-top:2rem}
h3{font-size:1.05rem;margin:1rem 0 .3rem}
a{color:var(--acc)}
a.cite{white-space:nowrap;font-variant-numeric:tabular-nums;text-decoration:none}
a.cite:hover{text-decoration:underline}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:0}
dl.meta dt{font-weight:600}dl.meta dd{margin:0;overflow-wrap:anywhere}
code{font:13px/1.4 ui-monospace,Consolas,monospace;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.5rem 0;font-size:14px}
th,td{border:1px solid var(--line);padding:.3rem .45rem;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#f3f3f3}
tr:target,p:target{background:#fff7c2}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.gaps{border:2px solid var(--warn);background:var(--warnbg);padding:.6rem 1rem;margin:1rem 0}
.gaps strong{color:var(--warn)}
tr.gap td{background:var(--warnbg);color:var(--warn);font-weight:600}
tr.privilege td{background:#f6efff}
.mute{color:var(--mute)}
blockquote{margin:.4rem 0;padding:.2rem .8rem;border-left:4px solid var(--line)}
.seg{margin:.15rem 0}.seg .t{color:var(--mute);margin-right:.4rem}
.who{font-weight:600;margin-top:.8rem}
img.kf{max-width:12rem;height:auto;border:1px solid var(--line)}
nav ol{columns:3;font-size:14px}
@media print{
body{max-width:none;padding:0;font-size:11pt}
nav{display:none}
a{color:inherit;text-decoration:none}
h2{break-after:avoid}
tr,.seg,blockquote{break-inside:avoid}
thead{display:table-header-group}
.gaps,tr.gap td,tr.privilege td{print-color-adjust:exact;-webkit-print-color-adjust:exact}
}
""".strip()

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CSS_HASH = base64.b64encode(hashlib.sha256(CSS.encode()).digest()).decode()
# No scripts, frames, fonts, forms or remote anything; images only from the report's own origin
# (the API serves keyframes beside it); the one inline style block is allowed by its hash.
CSP = (
    f"default-src 'none'; img-src 'self'; style-src 'sha256-{_CSS_HASH}'; "
    "base-uri 'none'; form-action 'none'"
)


def esc(text: object) -> str:
    """Text for element content or a quoted attribute value (control characters dropped:
    HTML parsers reject or replace them)."""
    return escape(_CONTROL.sub("", str(text)), quote=True)


def tr(cells: Sequence[str], cls: str = "", ident: str | None = None) -> str:
    """A table row; `cells` are already HTML (escape source text with `esc`)."""
    attrs = (f' id="{esc(ident)}"' if ident else "") + (f' class="{esc(cls)}"' if cls else "")
    return f"<tr{attrs}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>"


def table(headers: Sequence[str], rows: Iterable[str]) -> str:
    """A table of `tr` rows under `headers` (plain text)."""
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "\n".join(rows)
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n"
    )


def all_spans(value: object) -> Iterator[Span]:
    """Every span anywhere in a report (or any model or list), in document order."""
    if isinstance(value, Span):
        yield value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from all_spans(getattr(value, name))
    elif isinstance(value, list | tuple):
        for item in value:
            yield from all_spans(item)


def time_id(seconds: float) -> str:
    """'t=12.5', 't=61': the anchor id of a target starting at `seconds`."""
    return "t=" + (f"{seconds:.3f}".rstrip("0").rstrip("."))


class Anchors:
    """Which ids the page defines for citations, and where a span's citation links to."""

    def __init__(self, report: Report) -> None:
        self.time_host, starts = _time_targets(report)
        self._starts = sorted(set(starts))
        self._given: set[str] = set()
        self.pages = sorted({s.page_start for s in all_spans(report) if s.page_start is not None})

    def target_id(self, host: str, start: float | None) -> str | None:
        """The id a `host` item starting at `start` carries: the first such item only."""
        if host != self.time_host or start is None or time_id(start) in self._given:
            return None
        self._given.add(time_id(start))
        return time_id(start)

    def href(self, span: Span) -> str | None:
        if span.page_start is not None:
            return f"#p-{span.page_start}"
        if not self._starts:
            return None
        at = bisect.bisect_right(self._starts, span.sort_key()[0] + 1e-6) - 1
        return "#" + time_id(self._starts[max(at, 0)])

    def link(self, span: Span, title: str = "") -> str:
        """The span's label as a citation link (`title` is source text: escaped here)."""
        tip = f' title="{esc(title)}"' if title.strip() else ""
        href = self.href(span)
        if href is None:
            return f'<span class="cite"{tip}>{esc(span.label())}</span>'
        return f'<a class="cite" href="{esc(href)}"{tip}>{esc(span.label())}</a>'


def _time_targets(report: Report) -> tuple[str, list[float]]:
    """The block whose items carry the `t=` ids, and their start times in order."""
    for host, items in (
        ("transcript", report.transcript),
        ("scenes", report.scenes),
        ("onscreen", report.onscreen_text),
    ):
        starts = [i.span.start_s for i in items if i.span.start_s is not None]
        if starts:
            return host, starts
    return "", []
