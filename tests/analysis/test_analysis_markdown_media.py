"""The Markdown report of a media file, and what its escaping keeps readable."""

from __future__ import annotations

import html

from markdown_it import MarkdownIt

from analysis import render
from analysis.render._md import inline
from analysis.schema import Entity, Mention, OnScreenText, Report, Scene, TranscriptSegment
from ingest.types import Span
from tests.analysis.test_analysis_render import report_with

S = Span.seconds


def media_report() -> Report:
    report = report_with()
    source = report.source.model_copy(
        update={"media_type": "video/mp4", "pages": None, "duration_s": 3700.0}
    )
    transcript = [
        TranscriptSegment(span=S(1, 3), speaker="Q", text="Good morning."),
        TranscriptSegment(span=S(3.5, 6), speaker="Q", text="State your name."),
        TranscriptSegment(span=S(6.2, 8), speaker="A", text="John Smith."),
        TranscriptSegment(span=S(20, 22), speaker="A", text="After a pause."),
        TranscriptSegment(span=S(3661, 3662), text="An hour in <b>."),
    ]
    scenes = [
        Scene(span=S(0, 12), description="Shot 1", keyframe="c0-kf-0001.jpg"),
        Scene(span=S(12, 30), description="Shot 2", keyframe="../../etc/passwd"),
        Scene(span=S(30, 40), description="Shot 3"),
    ]
    onscreen = [OnScreenText(span=S(2, 9), text="SMITH v. JONES & Co")]
    return report.model_copy(
        update={
            "source": source,
            "transcript": transcript,
            "scenes": scenes,
            "onscreen_text": onscreen,
        }
    )


def test_transcript_is_paragraphs_of_timestamped_lines() -> None:
    md = str(render(media_report(), "md"))
    assert (
        "**Q** · 00:00:01–00:00:06\\\n[00:00:01] Good morning.\\\n[00:00:03] State your name.\n"
    ) in md
    assert "**A** · 00:00:06–00:00:08\\\n[00:00:06] John Smith.\n" in md  # pause: new paragraph
    assert "**A** · 00:00:20–00:00:22\\\n[00:00:20] After a pause.\n" in md
    assert "01:01:01–01:01:02\\\n[01:01:01] An hour in &lt;b&gt;.\n" in md
    assert "- **Duration:** 01:01:40" in md


def test_scenes_link_their_keyframes_relative_to_the_report() -> None:
    md = str(render(media_report(), "md"))
    assert "| 1 | 00:00:00–00:00:12 | Shot 1 | [c0-kf-0001.jpg](keyframes/c0-kf-0001.jpg) |" in md
    assert "](../" not in md and "(keyframes/..." not in md
    assert "| 3 | 00:00:30–00:00:40 | Shot 3 |   |" in md
    assert "| 00:00:02–00:00:09 | SMITH v. JONES & Co |" in md


def test_rendered_markdown_is_inert_and_shows_the_source_text() -> None:
    md = str(render(media_report(), "md"))
    out = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    assert "<b>" not in out and 'href="../' not in out
    assert '<a href="keyframes/c0-kf-0001.jpg">' in out
    assert "An hour in &lt;b&gt;." in out


def test_ampersands_stay_readable_and_only_references_are_escaped() -> None:
    entity = Entity(
        name="Harbor & Vale LLP", type="organization", mentions=[Mention(span=S(1, 2), quote="x")]
    )
    md = str(render(report_with().model_copy(update={"entities": [entity]}), "md"))
    assert "| Harbor & Vale LLP | organization |" in md
    assert "&amp;" not in md
    assert inline("AT&amp;T &#60;tag&#x3c; &lt; R&D &x") == (
        "AT&amp;amp;T &amp;#60;tag&amp;#x3c; &amp;lt; R&D &x"
    )


def test_any_source_text_renders_back_to_itself() -> None:
    samples = [
        "Harbor & Vale LLP",
        "<script>alert(1)</script>",
        "AT&amp;T said &lt;no&gt; & &#60;",
        "a < b > c",
        "*not bold* _nor_ `code` [link](http://x) ![img](y) | pipe \\ slash",
        "# not a heading",
        "> not a quote",
        "1. not a list",
        "<http://autolink.example>",
    ]
    parser = MarkdownIt("commonmark", {"html": True})
    for text in samples:
        rendered = parser.render(inline(text)).strip()
        assert rendered.startswith("<p>") and rendered.endswith("</p>"), text
        assert html.unescape(rendered[3:-4]) == text, text
