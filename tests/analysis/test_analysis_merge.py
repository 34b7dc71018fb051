from __future__ import annotations

from analysis.entities import normalise_name
from analysis.merge import date_key, merge_transcript, union_across_chunks
from analysis.schema import Mention, TranscriptSegment
from ingest.types import Span

S = Span.seconds


def seg(start: float, end: float, text: str) -> TranscriptSegment:
    return TranscriptSegment(span=S(start, end), text=text)


def test_normalise_name_strips_honorifics_punctuation_and_the() -> None:
    assert normalise_name("Mr. John  Smith", "person") == "john smith"
    assert normalise_name("Dr. Jane O'Hara, Esq.", "person") == "jane o hara"
    assert normalise_name("The Acme Corp.", "organization") == "acme corp"
    assert normalise_name("$1,000", "money") == "$1,000"
    assert normalise_name("Mr.", "person") == "mr"


def test_union_keeps_repeats_within_a_chunk_but_not_across_the_overlap() -> None:
    a = [Mention(span=Span.pages(4), quote="Smith")] * 2
    b = [Mention(span=Span.pages(4), quote="smith")] * 3
    merged = union_across_chunks(
        [(Span.pages(1, 4), a), (Span.pages(4, 7), b)],
        key=lambda m: m.quote.casefold(),
        span=lambda m: m.span,
    )
    assert len(merged) == 3  # max(2, 3), not 5


def test_union_matches_media_findings_with_slightly_different_times() -> None:
    a = [Mention(span=S(58.0, 59.0), quote="hello")]
    b = [Mention(span=S(58.4, 59.2), quote="hello"), Mention(span=S(75.0, 76.0), quote="hello")]
    merged = union_across_chunks(
        [(S(0, 60), a), (S(50, 110), b)], key=lambda m: m.quote, span=lambda m: m.span
    )
    assert [m.span.start_s for m in merged] == [58.0, 75.0]


def test_transcript_drops_retranscribed_overlap_only() -> None:
    first = [seg(0, 5, "Good morning."), seg(50, 58, "State your name for the record.")]
    second = [
        seg(50.2, 58.1, "state your name for the record"),
        seg(58.5, 60, "John Smith."),
        seg(61, 65, "Thank you."),
    ]
    merged = merge_transcript([(S(0, 60), first), (S(50, 110), second)])
    assert [s.text for s in merged] == [
        "Good morning.",
        "State your name for the record.",
        "John Smith.",
        "Thank you.",
    ]


def test_date_key_orders_partial_before_full_and_undated_last() -> None:
    dates = ["2020-03-05", None, "2020", "bogus", "2019-12-31", "2020-03"]
    assert sorted(dates, key=date_key) == [
        "2019-12-31",
        "2020",
        "2020-03",
        "2020-03-05",
        "bogus",
        None,
    ]


def test_transcript_keeps_a_short_reply_that_only_appears_inside_a_longer_word() -> None:
    first = [seg(55, 58, "Yesterday.")]
    second = [seg(56, 57, "Yes."), seg(57, 58, "yesterday")]
    merged = merge_transcript([(S(0, 60), first), (S(50, 110), second)])
    assert [s.text for s in merged] == ["Yesterday.", "Yes."]
