"""The media blocks of the HTML report (transcript, scenes, on-screen text) and the page index.

The transcript is one line per segment, `[HH:MM:SS]` linking to the segment itself (its id is
`t=<seconds>`, so a citation elsewhere lands on it and the address can be shared); the speaker
is shown when it changes. Scene keyframes are `<img src="keyframes/NAME">`, relative to the
report (the API serves them at /v1/jobs/{id}/keyframes/NAME), and only when NAME is a plain
file name; any other value is shown as text.
"""

from __future__ import annotations

from collections import defaultdict

from analysis.render._common import flag_label, plain_file_name
from analysis.render._html import Anchors, esc, table, tr
from analysis.render._md import clock
from analysis.schema import Report
from ingest.types import Span


def transcript_block(report: Report, anchors: Anchors) -> str:
    lines: list[str] = []
    speaker: str | None = None
    for seg in report.transcript:
        if seg.speaker and seg.speaker != speaker:
            lines.append(f'<p class="who">{esc(seg.speaker)}</p>')
        speaker = seg.speaker
        start = seg.span.start_s
        anchor = anchors.target_id("transcript", start)
        ident = f' id="{esc(anchor)}"' if anchor else ""
        stamp = f"[{clock(start)}]" if start is not None else seg.span.label()
        lines.append(
            f'<p class="seg"{ident}><a class="cite t" href="{esc(anchors.href(seg.span) or "#")}"'
            f' title="{esc(seg.span.label())}">{esc(stamp)}</a>{esc(seg.text)}</p>'
        )
    return "\n".join(lines)


def scenes_block(report: Report, anchors: Anchors) -> str:
    rows = [
        tr(
            [str(number), anchors.link(s.span), esc(s.description), _keyframe(s.keyframe)],
            ident=anchors.target_id("scenes", s.span.start_s),
        )
        for number, s in enumerate(report.scenes, 1)
    ]
    return table(["#", "Where", "Description", "Keyframe"], rows) if rows else ""


def _keyframe(name: str | None) -> str:
    if not name:
        return ""
    if not plain_file_name(name):
        return f'<span class="mute">{esc(name)}</span>'
    src = esc(f"keyframes/{name}")
    return f'<a href="{src}"><img class="kf" src="{src}" alt="keyframe {esc(name)}"></a>'


def onscreen_block(report: Report, anchors: Anchors) -> str:
    rows = [
        tr(
            [anchors.link(o.span), esc(o.text)],
            ident=anchors.target_id("onscreen", o.span.start_s),
        )
        for o in report.onscreen_text
    ]
    return table(["Where", "Text"], rows) if rows else ""


def page_index_block(report: Report, anchors: Anchors) -> str:
    """One row per cited page (`id="p-N"`): coverage of that page and what was found on it."""
    found = _findings_by_page(report)
    rows = []
    for number in anchors.pages:
        status, cls = _page_status(report, number)
        link = f'<a class="cite" href="#p-{number}">p. {number}</a>'
        findings = esc(" · ".join(found.get(number, [])) or "—")
        rows.append(tr([link, status, findings], cls=cls, ident=f"p-{number}"))
    return table(["Page", "Coverage", "Found there"], rows) if rows else ""


def _page_status(report: Report, number: int) -> tuple[str, str]:
    here = Span.pages(number)
    for gap in report.coverage.gaps:
        if gap.span.overlaps(here):
            return f"<strong>⚠ not analysed</strong>: {esc(gap.reason)}", "gap"
    if any(span.overlaps(here) for span in report.coverage.analyzed):
        return "analysed", ""
    return '<span class="mute">not in coverage</span>', ""


def _findings_by_page(report: Report) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)

    def add(span: Span, label: str) -> None:
        if span.page_start is not None and label not in found[span.page_start]:
            found[span.page_start].append(label)

    for entity in report.entities:
        for mention in entity.mentions:
            add(mention.span, f"{entity.name} ({entity.type})")
    for flag in report.flags:
        add(flag.span, f"flag {flag_label(flag)}")
    for event in report.timeline:
        add(event.span, f"event {event.date or event.date_text or 'undated'}")
    for quote in report.quotes:
        add(quote.span, "key quote")
    return found
