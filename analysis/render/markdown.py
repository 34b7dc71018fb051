"""The Markdown report: readable, cited, and inert.

Every finding is followed by its citation, "(p. 3)", "(pp. 3–5)" or "(00:01:02–00:01:09)",
and gaps in coverage are shown at the top in a "⚠ Gaps" block, never only in a footnote.
All source text goes through `inline`, so HTML and Markdown in documents stay text. Media
blocks (transcript paragraphs, scenes with keyframe links, on-screen text) live in `_md_media`.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from analysis.render._md import cite, clock, code, inline, table
from analysis.render._md_media import onscreen_block, scenes_block, transcript_block
from analysis.schema import Report

MAX_ENTITY_ROWS = 200

Block = Callable[[Report], list[str]]


def render_markdown(report: Report) -> str:
    blocks = [block(report) for block in _BLOCKS]
    return "\n\n".join("\n".join(lines) for lines in blocks if lines) + "\n"


def _header(report: Report) -> list[str]:
    src = report.source
    lines = [
        f"# Report: {inline(src.filename)}",
        "",
        f"- **SHA-256:** {code(src.sha256)}",
        f"- **Media type:** {code(src.media_type)}",
        f"- **Size:** {src.size_bytes:,} bytes",
    ]
    if src.pages is not None:
        lines.append(f"- **Pages:** {src.pages}")
    if src.duration_s is not None:
        lines.append(f"- **Duration:** {clock(src.duration_s)}")
    if report.languages:
        lines.append(f"- **Languages:** {', '.join(inline(lang) for lang in report.languages)}")
    lines.append(f"- **Report version:** {report.report_version}")
    return lines


def _gap_warning(report: Report) -> list[str]:
    gaps = report.coverage.gaps
    if not gaps:
        return []
    lines = ["> **⚠ Gaps: parts of this file were not analysed**", ">"]
    lines += [f"> - **{gap.span.label()}**: {inline(gap.reason)}" for gap in gaps]
    return lines


def _summary(report: Report) -> list[str]:
    if report.summary_sentences:
        text = " ".join(
            f"{inline(s.text)} {cite(s.span.label())}" for s in report.summary_sentences
        )
    elif report.summary.strip():
        text = inline(report.summary)
    else:
        return []
    return ["## Summary", "", text]


def _sections(report: Report) -> list[str]:
    if not report.sections:
        return []
    lines = ["## Sections"]
    for number, section in enumerate(report.sections, 1):
        lines += ["", f"### {number}. {inline(section.title)} {cite(section.span.label())}"]
        if section.summary.strip():
            lines += ["", inline(section.summary)]
    return lines


def _entities(report: Report) -> list[str]:
    if not report.entities:
        return []
    rows = [
        [
            inline(e.name),
            e.type,
            str(len(e.mentions)),
            e.mentions[0].span.label() if e.mentions else "",
            inline(", ".join(e.aliases)),
        ]
        for e in report.entities[:MAX_ENTITY_ROWS]
    ]
    lines = ["## Entities", "", *table(["Name", "Type", "Mentions", "First", "Aliases"], rows)]
    if len(report.entities) > MAX_ENTITY_ROWS:
        more = len(report.entities) - MAX_ENTITY_ROWS
        lines += ["", f"… and {more} more entities in the JSON report."]
    return lines


def _timeline(report: Report) -> list[str]:
    if not report.timeline:
        return []
    lines = ["## Timeline", ""]
    for event in report.timeline:
        when = inline(event.date or event.date_text or "undated")
        # The quote is shown when it adds something: most events are their own sentence.
        differs = event.quote.strip() and event.quote.strip() != event.text.strip()
        quote = f" — “{inline(event.quote)}”" if differs else ""
        lines.append(f"- **{when}**: {inline(event.text)}{quote} {cite(event.span.label())}")
    return lines


def _flags(report: Report) -> list[str]:
    if not report.flags:
        return []
    rows = [
        [f.kind, inline(f.subtype), f.span.label(), inline(f.quote), inline(f.reason)]
        for f in report.flags
    ]
    return ["## Flags", "", *table(["Kind", "Type", "Where", "Quote", "Reason"], rows)]


def _quotes(report: Report) -> list[str]:
    if not report.quotes:
        return []
    lines = ["## Key quotes", ""]
    for quote in report.quotes:
        why = f" — {inline(quote.reason)}" if quote.reason.strip() else ""
        lines.append(f"- “{inline(quote.text)}” {cite(quote.span.label())}{why}")
    return lines


def _topics(report: Report) -> list[str]:
    if not report.topics:
        return []
    return ["## Topics", "", *(f"- {inline(t.name)} ({t.score:.2f})" for t in report.topics)]


def _notes(report: Report) -> list[str]:
    if not report.notes:
        return []
    return ["## Notes", "", *(f"- {inline(note)}" for note in report.notes)]


def _coverage(report: Report) -> list[str]:
    cov = report.coverage
    analysed = ", ".join(span.label() for span in cov.analyzed) or "nothing"
    lines = ["## Coverage", "", f"Analysed: {analysed}."]
    if cov.gaps:
        rows = [[gap.span.label(), inline(gap.reason)] for gap in cov.gaps]
        lines += ["", "### ⚠ Gaps", "", *table(["Where", "Reason"], rows)]
    else:
        lines += ["", "No gaps: every part of the file was analysed."]
    return lines


def _processing(report: Report) -> list[str]:
    proc = report.processing
    headers = ["#", "Span", "Status", "Provider", "Model", "Attempts"]
    headers += ["Tokens in", "Tokens out", "Cached", "Cost (USD)", "Latency (ms)", "Reason"]
    rows = [
        [
            str(c.index),
            c.span.label(),
            inline(c.status),
            code(c.provider or "—"),
            code(c.model or "—"),
            str(c.attempts),
            f"{c.input_tokens:,}",
            f"{c.output_tokens:,}",
            f"{c.cached_tokens:,}",
            f"{c.cost_usd:.4f}",
            f"{c.latency_ms:,}",
            inline(c.reason + (f" — error: {c.error}" if c.error else "")),
        ]
        for c in proc.chunks
    ]
    t = proc.totals
    total = (
        f"**Totals:** {t.chunks} chunks ({t.chunks_succeeded} succeeded, {t.chunks_failed} "
        f"failed) · {t.input_tokens:,} tokens in · {t.output_tokens:,} out · "
        f"{t.cached_tokens:,} cached · ${t.cost_usd:.4f} · {t.latency_ms:,} ms"
    )
    return ["## Processing", "", *table(headers, rows), "", total]


def _custody(report: Report) -> list[str]:
    if not report.custody:
        return []
    rows = [[inline(e.at), inline(e.event), inline(_detail(e.detail))] for e in report.custody]
    return ["## Chain of custody", "", *table(["At", "Event", "Detail"], rows)]


def _detail(detail: dict[str, object]) -> str:
    def show(value: object) -> str:
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return "; ".join(f"{key}={show(detail[key])}" for key in sorted(detail))


_BLOCKS: list[Block] = [
    _header,
    _gap_warning,
    _summary,
    _sections,
    _entities,
    _timeline,
    _flags,
    _quotes,
    _topics,
    scenes_block,
    onscreen_block,
    transcript_block,
    _notes,
    _coverage,
    _processing,
    _custody,
]
