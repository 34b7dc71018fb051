from __future__ import annotations

from analysis.entities import normalise_name
from analysis.merge import date_key, union_across_chunks
from analysis.schema import Mention
from ingest.types import Span

S = Span.seconds


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
