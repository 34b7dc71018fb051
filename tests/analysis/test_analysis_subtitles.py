"""SRT and WebVTT, parsed back by small strict parsers written here from the two specs."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest

from analysis import FormatNotApplicable, render
from analysis.schema import Report, TranscriptSegment, Word
from ingest.types import Span
from tests.analysis.test_analysis_render import report_with

S = Span.seconds
SRT_TIMING = re.compile(
    r"^(\d{2,}):([0-5]\d):([0-5]\d),(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d),(\d{3})$"
)
VTT_TIMING = re.compile(
    r"^(\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3}) --> (\d{2,}):([0-5]\d):([0-5]\d)\.(\d{3})$"
)
VOICE = re.compile(r"^<v ([^>]+)>")


@dataclass
class ParsedCue:
    start: float
    end: float
    lines: list[str]


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_srt(text: str) -> list[ParsedCue]:
    """SubRip: blocks separated by blank lines; a number from 1, a timing line, text lines."""
    assert "\r" not in text
    cues: list[ParsedCue] = []
    for number, block in enumerate(filter(None, text.strip("\n").split("\n\n")), 1):
        head, timing, *lines = block.split("\n")
        assert head == str(number), block
        match = SRT_TIMING.match(timing)
        assert match, timing
        assert lines and all(line.strip() for line in lines), block
        assert all("-->" not in line for line in lines), block
        g = match.groups()
        cues.append(ParsedCue(_seconds(*g[:4]), _seconds(*g[4:]), lines))
    return cues


def parse_vtt(text: str) -> list[ParsedCue]:
    """WebVTT: the WEBVTT header line, a blank line, then cue blocks (no identifiers here)."""
    assert text.startswith("WEBVTT\n")
    body = text[len("WEBVTT\n") :]
    assert body == "" or body.startswith("\n")
    cues: list[ParsedCue] = []
    for block in filter(None, body.strip("\n").split("\n\n")):
        timing, *lines = block.split("\n")
        match = VTT_TIMING.match(timing)
        assert match, timing
        assert lines and all(line.strip() for line in lines), block
        for line in lines:
            assert "-->" not in line
            plain = VOICE.sub("", line)
            assert "<" not in plain and ">" not in plain, line  # no markup but the voice span
            assert re.fullmatch(r"([^&]|&(amp|lt|gt);)*", plain), line
        g = match.groups()
        cues.append(ParsedCue(_seconds(*g[:4]), _seconds(*g[4:]), lines))
    return cues


def assert_well_timed(cues: list[ParsedCue]) -> None:
    for cue in cues:
        assert cue.start < cue.end
        assert cue.end - cue.start <= 7.0 + 1e-9
        assert len(cue.lines) <= 2
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start


def media(transcript: list[TranscriptSegment]) -> Report:
    report = report_with()
    source = report.source.model_copy(
        update={"media_type": "video/mp4", "pages": None, "duration_s": 4000.0}
    )
    return report.model_copy(update={"source": source, "transcript": transcript})


LONG = (
    "Please state your full name and spell your last name for the court reporter, "
    "then tell us where you were employed in March of twenty twenty and by whom."
)


def sample() -> Report:
    return media(
        [
            TranscriptSegment(span=S(1, 3.5), speaker="Counsel", text="Good morning."),
            TranscriptSegment(span=S(4, 24), speaker="Counsel", text=LONG),
            TranscriptSegment(span=S(24, 24), text="Zero-length <i>tag</i> & a --> arrow"),
            TranscriptSegment(span=S(23.5, 26), speaker="A <b>&", text="Overlapping reply."),
            TranscriptSegment(span=S(30, 31), text="   "),
            TranscriptSegment(span=S(3723.25, 3725.5), text="An hour later."),
        ]
    )


def test_srt_parses_back_numbered_in_order_and_short() -> None:
    cues = parse_srt(str(render(sample(), "srt")))
    assert_well_timed(cues)
    assert cues[0].start == 1.0 and cues[0].lines == ["Counsel: Good morning."]
    assert all(len(line) <= 42 for cue in cues for line in cue.lines)
    words = " ".join(line for cue in cues for line in cue.lines).split()
    assert " ".join(words).count("reporter,") == 1
    assert "Zero-length <i>tag</i> & a -> arrow" in [" ".join(c.lines) for c in cues]
    assert cues[-1].start == 3723.25 and cues[-1].end == 3725.5
    assert "01:02:03,250 --> 01:02:05,500" in str(render(sample(), "srt"))


def test_vtt_parses_back_with_voices_and_escapes() -> None:
    text = str(render(sample(), "vtt"))
    cues = parse_vtt(text)
    assert_well_timed(cues)
    assert cues[0].lines == ["<v Counsel>Good morning."]
    assert "Zero-length &lt;i&gt;tag&lt;/i&gt; &amp; a --&gt; arrow" in text
    assert "<v A &lt;b&gt;&amp;>Overlapping reply." in text
    assert "01:02:03.250 --> 01:02:05.500" in text
    spoken = " ".join(VOICE.sub("", line) for cue in cues for line in cue.lines)
    assert spoken.count("court reporter,") == 1


def test_long_segments_split_at_word_times_when_known() -> None:
    words = [Word(start_s=10 + i, end_s=10.5 + i, text=f"w{i}") for i in range(20)]
    segment = TranscriptSegment(span=S(10, 30), text=" ".join(w.text for w in words), words=words)
    cues = parse_vtt(str(render(media([segment]), "vtt")))
    assert_well_timed(cues)
    assert len(cues) >= 3
    assert all(cue.start == int(cue.start) for cue in cues)  # every cue starts on a word
    assert " ".join(" ".join(c.lines) for c in cues) == segment.text


def test_a_media_report_without_speech_is_a_valid_empty_file() -> None:
    silent = media([])
    assert render(silent, "vtt") == "WEBVTT\n"
    assert parse_vtt(str(render(silent, "vtt"))) == []
    assert render(silent, "srt") == ""
    assert parse_srt("") == []


def test_a_document_report_refuses_subtitles_clearly() -> None:
    for fmt in ("srt", "vtt"):
        with pytest.raises(FormatNotApplicable, match="document"):
            render(report_with(), fmt)
    assert issubclass(FormatNotApplicable, ValueError)


def test_cue_text_never_breaks_the_file() -> None:
    hostile = "line one\n\nline two\r\n--> 00:00:01,000 --> x\x00\x1b end"
    report = media([TranscriptSegment(span=S(0, 5), speaker="Q\n\nA", text=hostile)])
    srt_cues = parse_srt(str(render(report, "srt")))
    vtt_cues = parse_vtt(str(render(report, "vtt")))
    assert len(srt_cues) == len(vtt_cues) >= 1
    assert "line one line two" in " ".join(srt_cues[0].lines)
