"""The media blocks of the Markdown report: transcript, scenes and on-screen text.

The transcript reads as paragraphs: a new one starts when the speaker changes, after a pause
of `PARAGRAPH_PAUSE_S` or more, or once a paragraph spans `PARAGRAPH_MAX_S`. Each paragraph
opens with its speaker (when known) and span, and every segment is its own line starting with
its time, `[HH:MM:SS]`. Scene keyframes link to `keyframes/<name>`, relative to the report
(the API serves them at `/v1/jobs/{id}/keyframes/{name}`); a name that is not a plain file
name is shown as text, never linked.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analysis.render._md import clock, inline, table
from analysis.schema import Report, TranscriptSegment
from ingest.types import Span

PARAGRAPH_PAUSE_S = 2.0
PARAGRAPH_MAX_S = 60.0
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def transcript_block(report: Report) -> list[str]:
    if not report.transcript:
        return []
    lines = ["## Transcript"]
    for paragraph in _paragraphs(report.transcript):
        first, last = paragraph[0].span, paragraph[-1].span
        where = _span_between(first, last)
        who = f"**{inline(paragraph[0].speaker)}** · {where}" if paragraph[0].speaker else where
        body = [f"{_stamp(seg.span)} {inline(seg.text)}" for seg in paragraph]
        lines += ["", who + "\\", *(line + "\\" for line in body[:-1]), body[-1]]
    return lines


def _paragraphs(segments: Sequence[TranscriptSegment]) -> list[list[TranscriptSegment]]:
    out: list[list[TranscriptSegment]] = []
    for seg in segments:
        current = out[-1] if out else None
        if current is None or _breaks(current, seg):
            out.append([seg])
        else:
            current.append(seg)
    return out


def _breaks(paragraph: list[TranscriptSegment], seg: TranscriptSegment) -> bool:
    last = paragraph[-1]
    if seg.speaker != last.speaker or seg.span.is_pages or last.span.is_pages:
        return True
    start, _ = seg.span.sort_key()
    pause = start - last.span.sort_key()[1]
    return pause >= PARAGRAPH_PAUSE_S or start - paragraph[0].span.sort_key()[0] >= PARAGRAPH_MAX_S


def _span_between(first: Span, last: Span) -> str:
    if first.is_pages or last.is_pages:
        return first.label()
    return Span.seconds(first.sort_key()[0], max(first.sort_key()[1], last.sort_key()[1])).label()


def _stamp(span: Span) -> str:
    return f"({span.label()})" if span.is_pages else f"[{clock(span.sort_key()[0])}]"


def scenes_block(report: Report) -> list[str]:
    if not report.scenes:
        return []
    rows = [
        [str(number), s.span.label(), inline(s.description), _keyframe_link(s.keyframe)]
        for number, s in enumerate(report.scenes, 1)
    ]
    return ["## Scenes", "", *table(["#", "Where", "Description", "Keyframe"], rows)]


def _keyframe_link(name: str | None) -> str:
    if not name:
        return ""
    if _FILE_NAME.fullmatch(name) is None or ".." in name:
        return inline(name)
    return f"[{inline(name)}](keyframes/{name})"


def onscreen_block(report: Report) -> list[str]:
    if not report.onscreen_text:
        return []
    rows = [[o.span.label(), inline(o.text)] for o in report.onscreen_text]
    return ["## On-screen text", "", *table(["Where", "Text"], rows)]
