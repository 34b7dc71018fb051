"""The HTML report: one standalone, printable file in which every citation is a link.

No script, no external resource: the CSS is inline (allowed by its hash in a
Content-Security-Policy meta tag that also forbids scripts, frames, forms and remote loads), and
the only images are keyframes at `keyframes/NAME`, relative to the report. Every time and page
is a link to an anchor in the same file (see `_html` for where they land). Gaps in coverage are
shown twice: in a warning box under the header and, in full, in the Coverage section.

All source text is escaped with `html.escape(..., quote=True)`, in content and attributes, so a
transcript or PDF that says `<script>` shows those characters and nothing runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping

from analysis.render._common import flag_label
from analysis.render._html import Anchors, esc, page, table, tr
from analysis.render._html_media import (
    onscreen_block,
    page_index_block,
    scenes_block,
    transcript_block,
)
from analysis.render._md import clock
from analysis.schema import Report

Block = Callable[[Report, Anchors], str]


def render_html(report: Report) -> str:
    anchors = Anchors(report)
    filled = [(ident, title, block(report, anchors)) for ident, title, block in _BLOCKS]
    filled = [(ident, title, html) for ident, title, html in filled if html]
    toc = "".join(f'<li><a href="#{ident}">{esc(title)}</a></li>' for ident, title, _ in filled)
    sections = "\n".join(
        f'<section id="{ident}">\n<h2>{esc(title)}</h2>\n{html}\n</section>'
        for ident, title, html in filled
    )
    body = "\n".join(
        [_header(report), _gap_warning(report, anchors), f"<nav><ol>{toc}</ol></nav>", sections]
    )
    return page(f"Report: {report.source.filename}", f"<main>\n{body}\n</main>")


def _header(report: Report) -> str:
    src = report.source
    rows = [
        ("SHA-256", f"<code>{esc(src.sha256)}</code>"),
        ("Media type", f"<code>{esc(src.media_type)}</code>"),
        ("Size", f"{src.size_bytes:,} bytes"),
    ]
    if src.pages is not None:
        rows.append(("Pages", str(src.pages)))
    if src.duration_s is not None:
        rows.append(("Duration", clock(src.duration_s)))
    if report.languages:
        rows.append(("Languages", esc(", ".join(report.languages))))
    rows.append(("Report version", esc(report.report_version)))
    meta = "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in rows)
    title = f"<h1>Report: {esc(src.filename)}</h1>"
    return f'<header>\n{title}\n<dl class="meta">{meta}</dl>\n</header>'


def _gap_warning(report: Report, anchors: Anchors) -> str:
    gaps = report.coverage.gaps
    if not gaps:
        return ""
    items = "".join(f"<li>{anchors.link(g.span)}: {esc(g.reason)}</li>" for g in gaps)
    return (
        '<aside class="gaps" role="alert"><strong>⚠ Gaps: parts of this file were not '
        f'analysed</strong> (<a href="#coverage">coverage</a>)<ul>{items}</ul></aside>'
    )


def _summary(report: Report, anchors: Anchors) -> str:
    if report.summary_sentences:
        return (
            "<p>"
            + " ".join(f"{esc(s.text)} {anchors.link(s.span)}" for s in report.summary_sentences)
            + "</p>"
        )
    return f"<p>{esc(report.summary)}</p>" if report.summary.strip() else ""


def _sections(report: Report, anchors: Anchors) -> str:
    items = [
        f"<li><h3>{esc(s.title)} {anchors.link(s.span)}</h3><p>{esc(s.summary)}</p></li>"
        for s in report.sections
    ]
    return f"<ol>{''.join(items)}</ol>" if items else ""


def _entities(report: Report, anchors: Anchors) -> str:
    rows = [
        tr(
            [
                esc(e.name),
                esc(e.type),
                esc(", ".join(e.aliases)),
                str(len(e.mentions)),
                " ".join(anchors.link(m.span, m.quote) for m in e.mentions),
            ]
        )
        for e in report.entities
    ]
    headers = ["Name", "Type", "Aliases", "Mentions", "Where (hover for the quote)"]
    return table(headers, rows) if rows else ""


def _timeline(report: Report, anchors: Anchors) -> str:
    rows = [
        tr(
            [
                esc(e.date or "undated"),
                esc(e.date_text),
                esc(e.text),
                esc(e.quote),
                anchors.link(e.span),
            ]
        )
        for e in report.timeline
    ]
    return table(["Date", "As written", "Event", "Quote", "Where"], rows) if rows else ""


def _flags(report: Report, anchors: Anchors) -> str:
    rows = [
        tr(
            [esc(flag_label(f)), anchors.link(f.span), esc(f.quote), esc(f.reason)],
            cls="privilege" if f.kind == "privilege" else "",
        )
        for f in report.flags
    ]
    return table(["Flag", "Where", "Quote", "Reason"], rows) if rows else ""


def _quotes(report: Report, anchors: Anchors) -> str:
    return "\n".join(
        f"<blockquote><p>“{esc(q.text)}” {anchors.link(q.span)}</p>"
        + (f'<p class="mute">{esc(q.reason)}</p>' if q.reason.strip() else "")
        + "</blockquote>"
        for q in report.quotes
    )


def _topics(report: Report, anchors: Anchors) -> str:
    items = "".join(
        f"<li>{esc(t.name)} <span class='mute'>({t.score:.2f})</span></li>" for t in report.topics
    )
    return f"<ul>{items}</ul>" if items else ""


def _notes(report: Report, anchors: Anchors) -> str:
    items = "".join(f"<li>{esc(note)}</li>" for note in report.notes)
    return f"<ul>{items}</ul>" if items else ""


def _coverage(report: Report, anchors: Anchors) -> str:
    cov = report.coverage
    analysed = ", ".join(anchors.link(span) for span in cov.analyzed) or "nothing"
    html = f"<p>Analysed: {analysed}.</p>"
    if not cov.gaps:
        return html + "<p>No gaps: every part of the file was analysed.</p>"
    rows = [tr([anchors.link(g.span), esc(g.reason)], cls="gap") for g in cov.gaps]
    return html + "<h3>⚠ Gaps</h3>" + table(["Where", "Reason"], rows)


def _processing(report: Report, anchors: Anchors) -> str:
    headers = ["#", "Span", "Status", "Provider", "Model", "Attempts", "Tokens in"]
    headers += ["Tokens out", "Cached", "Cost (USD)", "Latency (ms)", "Reason"]
    rows = [
        tr(
            [
                str(c.index),
                anchors.link(c.span),
                esc(c.status),
                f"<code>{esc(c.provider or '—')}</code>",
                f"<code>{esc(c.model or '—')}</code>",
                str(c.attempts),
                f"{c.input_tokens:,}",
                f"{c.output_tokens:,}",
                f"{c.cached_tokens:,}",
                f"{c.cost_usd:.4f}",
                f"{c.latency_ms:,}",
                esc(c.reason + (f" — error: {c.error}" if c.error else "")),
            ],
            cls="gap" if c.error else "",
        )
        for c in report.processing.chunks
    ]
    t = report.processing.totals
    totals = (
        f"<p><strong>Totals:</strong> {t.chunks} chunks ({t.chunks_succeeded} succeeded, "
        f"{t.chunks_failed} failed) · {t.input_tokens:,} tokens in · {t.output_tokens:,} out · "
        f"{t.cached_tokens:,} cached · ${t.cost_usd:.4f} · {t.latency_ms:,} ms</p>"
    )
    by_provider = [
        tr([f"<code>{esc(name)}</code>", esc(_detail(values))])
        for name, values in sorted(t.by_provider.items())
    ]
    per = table(["Provider", "Totals"], by_provider) if by_provider else ""
    return table(headers, rows) + totals + per


def _custody(report: Report, anchors: Anchors) -> str:
    rows = [tr([esc(e.at), esc(e.event), esc(_detail(e.detail))]) for e in report.custody]
    return table(["At", "Event", "Detail"], rows) if rows else ""


def _detail(detail: Mapping[str, object]) -> str:
    def show(value: object) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return "; ".join(f"{key}={show(detail[key])}" for key in sorted(detail))


_BLOCKS: list[tuple[str, str, Block]] = [
    ("summary", "Summary", _summary),
    ("sections", "Sections", _sections),
    ("entities", "Entities", _entities),
    ("timeline", "Timeline", _timeline),
    ("flags", "Flags", _flags),
    ("quotes", "Key quotes", _quotes),
    ("transcript", "Transcript", transcript_block),
    ("scenes", "Scenes", scenes_block),
    ("onscreen", "On-screen text", onscreen_block),
    ("topics", "Topics", _topics),
    ("pages", "Page index", page_index_block),
    ("notes", "Notes", _notes),
    ("coverage", "Coverage", _coverage),
    ("processing", "Processing", _processing),
    ("custody", "Chain of custody", _custody),
]
