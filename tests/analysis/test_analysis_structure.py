"""Sections by topic shift, and the map-reduce summary citing them (TF-IDF fallback:
deterministic, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from analysis import aggregate
from analysis.schema import ChunkProcessing, ChunkResult, Report, SummarySentence
from analysis.summary import FAN_IN, reduce_texts
from analysis.vectors import F32, embed, tfidf_embed
from ingest.types import Span

VOCAB = [
    ["harbor", "cargo", "vessel", "dock", "crane", "container", "pilot", "tide"],
    ["vaccine", "trial", "dosage", "placebo", "antibody", "clinic", "patient", "nurse"],
    ["election", "ballot", "voter", "precinct", "recount", "candidate", "poll", "campaign"],
]
TOPIC_OF = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]  # the topic changes at chunks 4 and 8


def _span(i: int, media: bool) -> Span:
    if media:
        return Span.seconds(60.0 * i, 60.0 * i + 65.0)
    return Span.pages(4 * i + 1, 4 * i + 5)  # one page of overlap with the next chunk


def _sentences(i: int, media: bool) -> list[SummarySentence]:
    words = VOCAB[TOPIC_OF[i]]
    out = []
    for j in range(3):
        picked = [words[(i + j + k) % len(words)] for k in range(4)]
        a, b, c, d = picked
        text = f"Item {i}.{j}: the {a} and the {b} met the {c} near the {d}."
        out.append(SummarySentence(span=_span(i, media), text=text, score=1.0 - 0.2 * j))
    return out


def _document(media: bool = False, topics: bool = False, **kw: object) -> Report:
    rows, results = [], {}
    for i in range(len(TOPIC_OF)):
        span = _span(i, media)
        rows.append(
            ChunkProcessing(
                index=i, span=span, provider="p", model="m", reason="", attempts=1, status="done"
            )
        )
        results[i] = ChunkResult(
            chunk_index=i,
            span=span,
            provider="p",
            model="m",
            summary_sentences=_sentences(i, media),
            topics=VOCAB[TOPIC_OF[i]][:2] if topics else [],
        )
    extent = Span.seconds(0.0, 725.0) if media else Span.pages(1, 49)
    return aggregate(
        source=_source(media),
        processing=rows,
        results=results,
        custody=[],
        extent=extent,
        **kw,  # type: ignore[arg-type]
    )


def _source(media: bool) -> object:
    from tests.analysis.factories import source

    if media:
        return source(media_type="audio/wav", pages=None, duration_s=725.0)
    return source(pages=49)


def test_sections_change_where_the_topic_changes() -> None:
    report = _document()
    assert [s.chunks for s in report.sections] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert [s.span for s in report.sections] == [
        Span.pages(1, 17),
        Span.pages(18, 33),
        Span.pages(34, 49),
    ]
    assert report.coverage.analyzed == [Span.pages(1, 49)]
    for section, words in zip(report.sections, VOCAB, strict=True):
        assert section.keywords and set(section.keywords) <= set(words)
        assert section.title.casefold().startswith(section.keywords[0])
        assert section.summary


def test_media_sections_are_contiguous_in_time_and_titled_by_topics() -> None:
    report = _document(media=True, topics=True)
    assert [s.span for s in report.sections] == [
        Span.seconds(0, 245),
        Span.seconds(245, 485),
        Span.seconds(485, 725),
    ]
    assert [s.title for s in report.sections] == [
        "Harbor, Cargo",
        "Vaccine, Trial",
        "Election, Ballot",
    ]


def test_a_single_topic_gives_one_section() -> None:
    global TOPIC_OF
    saved, TOPIC_OF = TOPIC_OF, [1] * 12
    try:
        report = _document()
    finally:
        TOPIC_OF = saved
    assert len(report.sections) == 1
    assert report.sections[0].span == Span.pages(1, 49)


def test_extractive_summary_cites_every_section_it_draws_on() -> None:
    report = _document()
    assert report.summary_method == "extractive"
    cited = [s.sections for s in report.summary_sentences]
    assert all(len(c) == 1 for c in cited)
    assert {c[0] for c in cited} == {0, 1, 2}
    for sentence in report.summary_sentences:
        assert sentence.span.overlaps(report.sections[sentence.sections[0]].span)
    assert [s.span.sort_key() for s in report.summary_sentences] == sorted(
        s.span.sort_key() for s in report.summary_sentences
    )


class _FirstSentences:
    """A stand-in model: the first sentence of each text, cut to the word limit."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def __call__(self, texts: list[str], *, limit_words: int) -> str:
        self.calls.append((len(texts), limit_words))
        firsts = [t.split(". ")[0].rstrip(".") + "." for t in texts]
        return " ".join(" ".join(firsts).split()[:limit_words])


def test_summarizer_reduces_sections_then_the_whole_and_cites_sections() -> None:
    summarizer = _FirstSentences()
    report = _document(summarizer=summarizer)
    assert report.summary_method == "model"
    assert len(summarizer.calls) == 4  # three sections, then the overall summary
    assert summarizer.calls[-1][0] == 3
    for k, section in enumerate(report.sections):
        assert set(section.summary.rstrip(".").split()) & set(VOCAB[k])
    assert [s.sections for s in report.summary_sentences] == [[0], [1], [2]]
    assert report.summary_sentences[1].span == report.sections[1].span


def test_summarizer_returning_nothing_falls_back_to_extractive() -> None:
    report = _document(summarizer=lambda texts, *, limit_words: "")
    assert report.summary_method == "extractive"
    assert all(s.summary for s in report.sections)
    assert report.summary_sentences


def test_reduce_is_hierarchical_past_the_fan_in() -> None:
    summarizer = _FirstSentences()
    texts = [f"Text number {i}. More." for i in range(2 * FAN_IN + 4)]
    assert reduce_texts(summarizer, texts, 50)
    assert [n for n, _ in summarizer.calls] == [FAN_IN, FAN_IN, 4, 3]


def test_legacy_reducer_still_picks_and_its_sentences_are_cited() -> None:
    report = _document(summarize=lambda sentences, limit: sentences[-2:])
    assert report.summary_method == "custom"
    assert [s.sections for s in report.summary_sentences] == [[2], [2]]


def test_embedder_vectors_are_checked_and_normalised() -> None:
    def bad(texts: list[str]) -> F32:
        return np.ones((len(texts) + 1, 4), dtype=np.float32)

    with pytest.raises(ValueError, match="embedder returned shape"):
        embed(["a", "b"], bad)
    rows = embed(["a b", "c"], lambda texts: np.full((len(texts), 4), 3.0, dtype=np.float32))
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0)


def test_tfidf_fallback_is_deterministic_and_normalised() -> None:
    texts = ["harbor cargo vessel", "vaccine trial dosage", "harbor dock", "", "港口的货物"]
    a, b = tfidf_embed(texts), tfidf_embed(texts)
    assert np.array_equal(a, b)
    assert float(a[0] @ a[2]) > 0.2 and float(a[0] @ a[1]) == 0.0
    assert not a[3].any() and a[4].any()


def test_an_embedder_drives_the_sections_when_given() -> None:
    calls: list[int] = []

    def counting(texts: list[str]) -> F32:
        calls.append(len(texts))
        return tfidf_embed(texts)

    report = _document(embed=counting)
    assert calls and calls[0] == 36  # three sentences per chunk, embedded in one call
    assert [s.chunks[0] for s in report.sections] == [0, 4, 8]
