"""Hand-built reports for the export renderer tests: a document and a video, both hostile.

Every free-text field carries `HOSTILE` (markup, an event-handler attribute, a `javascript:`
URL, a spreadsheet formula, the DAT delimiters and control characters), so each renderer is
tested against text that tries to break out of its format.
"""

from __future__ import annotations

from analysis.schema import (
    ChunkProcessing,
    Coverage,
    CustodyEvent,
    Entity,
    Event,
    Flag,
    Gap,
    KeyQuote,
    Mention,
    OnScreenText,
    Processing,
    ProcessingTotals,
    Report,
    Scene,
    Section,
    Source,
    SummarySentence,
    Topic,
    TranscriptSegment,
)
from ingest.types import Span

P = Span.pages
S = Span.seconds
SCRIPT = "<script>alert(1)</script>"
BREAKOUT = '"><img src=x onerror=alert(1)>'
HOSTILE = f"{SCRIPT} {BREAKOUT} javascript:alert(1) þ\x14® a\r\nb \x00\x07end"
FORMULA = '=HYPERLINK("http://evil.example","x")'
SHA = "0123456789abcdef" * 4


def _source(media_type: str, **kw: object) -> Source:
    return Source(
        filename=f'evil"><script>x</script>.{media_type.rsplit("/", 1)[-1]}',
        sha256=SHA,
        media_type=media_type,
        size_bytes=123_456,
        **kw,
    )


def _chunk(index: int, span: Span, error: str | None = None) -> ChunkProcessing:
    return ChunkProcessing(
        index=index,
        span=span,
        provider=None if error else "local",
        model=None if error else "spacy-sm",
        reason=f"policy=cost {HOSTILE}",
        attempts=3 if error else 1,
        status="failed" if error else "done",
        input_tokens=0 if error else 100,
        error=error,
    )


def _processing(chunks: list[ChunkProcessing]) -> Processing:
    failed = sum(1 for c in chunks if c.error)
    totals = ProcessingTotals(
        chunks=len(chunks),
        chunks_succeeded=len(chunks) - failed,
        chunks_failed=failed,
        input_tokens=100,
        by_provider={"local": {"cost_usd": 0.0, "input_tokens": 100.0}},
    )
    return Processing(chunks=chunks, totals=totals)


def _findings(at: list[Span]) -> dict[str, object]:
    """Entities, timeline, flags, quotes and topics at the spans `at` (four of them)."""
    a, b, c, d = at
    return {
        "entities": [
            Entity(
                name=f"John {SCRIPT} Smith",
                type="person",
                mentions=[Mention(span=a, quote=BREAKOUT), Mention(span=c, quote="Mr. Smith")],
                aliases=[f"J. Smith {BREAKOUT}", "Mr® Smith"],
            ),
            Entity(name=FORMULA, type="organization", mentions=[Mention(span=b, quote="-1+2")]),
            Entity(name="@SUM(A1)", type="other", mentions=[]),
        ],
        "timeline": [
            Event(span=b, date="2020-03-05", date_text="March 5", text=HOSTILE, quote=FORMULA),
            Event(span=d, date=None, date_text="later", text="Undated", quote="+later"),
        ],
        "flags": [
            Flag(kind="pii", subtype="email", span=a, quote="js@example.com", reason=HOSTILE),
            Flag(kind="privilege", subtype="attorney_client", span=d, quote=SCRIPT, reason="adv"),
        ],
        "quotes": [KeyQuote(span=c, text=HOSTILE, reason=BREAKOUT)],
        "topics": [Topic(name=HOSTILE, score=0.9), Topic(name="contracts", score=0.4)],
        "summary_sentences": [
            SummarySentence(span=a, text=f"It began. {HOSTILE}", score=0.9),
            SummarySentence(span=d, text="It ended.", score=0.5),
        ],
        "notes": [HOSTILE],
        "custody": [
            CustodyEvent(at="2026-01-01T00:00:00+00:00", event="upload.stored", detail={}),
            CustodyEvent(at="2026-01-01T00:01:00+00:00", event=HOSTILE, detail={"x": HOSTILE}),
        ],
    }


def document_report() -> Report:
    """A 10-page PDF: chunks pp. 1–4 (done), 5–6 (failed: a gap), 7–10 (done)."""
    chunks = [_chunk(0, P(1, 4)), _chunk(1, P(5, 6), error=HOSTILE), _chunk(2, P(7, 10))]
    return Report(
        source=_source("application/pdf", pages=10),
        summary=f"Summary {HOSTILE}",
        languages=["en"],
        sections=[
            Section(title=f"Opening {SCRIPT}", span=P(1, 4), summary=HOSTILE),
            Section(title="Close", span=P(7, 10), summary="The witness was excused."),
        ],
        coverage=Coverage(analyzed=[P(1, 4), P(7, 10)], gaps=[Gap(span=P(5, 6), reason=HOSTILE)]),
        processing=_processing(chunks),
        **_findings([P(1), P(3), P(4, 5), P(8)]),
    )


def media_report() -> Report:
    """A 1 h 1 min 40.25 s video with speech, scenes, on-screen text and one failed chunk."""
    chunks = [_chunk(0, S(0, 1800)), _chunk(1, S(1800, 2400), error="timeout"),
              _chunk(2, S(2400, 3700.25))]  # fmt: skip
    return Report(
        source=_source("video/mp4", duration_s=3700.25),
        summary="",
        sections=[
            Section(title=f"Intro {SCRIPT}", span=S(0, 1800), summary=HOSTILE),
            Section(title="Later", span=S(2400, 3700.25), summary="Q&A"),
        ],
        transcript=[
            TranscriptSegment(span=S(2, 4), speaker=f"Q {BREAKOUT}", text=HOSTILE),
            TranscriptSegment(span=S(4.5, 7), speaker=f"Q {BREAKOUT}", text="State your name."),
            TranscriptSegment(span=S(4.5, 8), speaker="A", text="Same start, second segment."),
            TranscriptSegment(span=S(3661.5, 3664), speaker="A", text=SCRIPT),
        ],
        scenes=[
            Scene(span=S(0, 12), description=HOSTILE, keyframe="c0-kf-0001.jpg"),
            Scene(span=S(12, 30), description="Shot 2", keyframe="../../etc/passwd"),
            Scene(span=S(30, 40), description="Shot 3", keyframe="javascript:alert(1)"),
            Scene(span=S(40, 50), description="Shot 4", keyframe=f"{BREAKOUT}.jpg"),
        ],
        onscreen_text=[OnScreenText(span=S(2, 9), text=HOSTILE)],
        coverage=Coverage(
            analyzed=[S(0, 1800), S(2400, 3700.25)], gaps=[Gap(span=S(1800, 2400), reason=HOSTILE)]
        ),
        processing=_processing(chunks),
        **_findings([S(1, 3), S(5, 6), S(3000, 3001), S(3661.5, 3663)]),
    )
