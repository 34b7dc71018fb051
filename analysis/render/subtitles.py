"""Subtitles: SubRip (`srt`) and WebVTT (`vtt`) from the report's transcript.

Cues come from `analysis.render._cues` (at most ~7 s, two lines of 42 characters, in order,
never overlapping). SRT numbers its cues from 1 with `HH:MM:SS,mmm --> HH:MM:SS,mmm`; it has
no escaping, so text stays literal except that an arrow `-->` (which would read as a timing
line) becomes `->`, and the speaker is a "Name: " prefix. WebVTT starts with `WEBVTT`, times
are `HH:MM:SS.mmm`, `&`, `<` and `>` are escaped as character references (so text can never
open a tag or form `-->`), and the speaker is a voice span `<v Name>`.

A media report without speech renders a valid empty file (SRT: no cues; VTT: the header
only): a silent video has subtitles, just none. A report about a document has no time axis at
all, so asking it for subtitles raises `FormatNotApplicable` (a ValueError): a user who asks
for `?format=srt` on a PDF job learns that it makes no sense, rather than receiving an empty
file that looks like a failed transcription.
"""

from __future__ import annotations

import re

from analysis.render._cues import Cue, build_cues
from analysis.schema import Report

_ARROW = re.compile(r"-{2,}>")


class FormatNotApplicable(ValueError):
    """The report has nothing this format can express (e.g. subtitles for a document)."""


def render_srt(report: Report) -> str:
    blocks = [
        f"{number}\n{_stamp(cue.start_ms, ',')} --> {_stamp(cue.end_ms, ',')}\n"
        + "\n".join(_ARROW.sub("->", line) for line in cue.lines)
        for number, cue in enumerate(_cues(report, speaker_prefix=True), 1)
    ]
    return "".join(block + "\n\n" for block in blocks)


def render_vtt(report: Report) -> str:
    blocks = [
        f"{_stamp(cue.start_ms, '.')} --> {_stamp(cue.end_ms, '.')}\n{_vtt_text(cue)}"
        for cue in _cues(report, speaker_prefix=False)
    ]
    return "WEBVTT\n" + "".join("\n" + block + "\n" for block in blocks)


def _cues(report: Report, *, speaker_prefix: bool) -> list[Cue]:
    timed = [seg for seg in report.transcript if not seg.span.is_pages]
    if not timed and report.source.duration_s is None:
        raise FormatNotApplicable(
            f"{report.source.filename} is a document ({report.source.media_type}) with no "
            "time axis: subtitles (srt, vtt) exist only for audio and video; "
            "use json, md or another format"
        )
    return build_cues(timed, speaker_prefix=speaker_prefix)


def _stamp(ms: int, separator: str) -> str:
    seconds, millis = divmod(max(ms, 0), 1000)
    minutes, secs = divmod(seconds, 60)
    hours, mins = divmod(minutes, 60)
    return f"{hours:02d}:{mins:02d}:{secs:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _vtt_text(cue: Cue) -> str:
    text = "\n".join(_vtt_escape(line) for line in cue.lines)
    return f"<v {_vtt_escape(cue.speaker)}>{text}" if cue.speaker else text
