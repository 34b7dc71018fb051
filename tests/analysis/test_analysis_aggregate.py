from __future__ import annotations

from analysis import aggregate
from analysis.schema import Report, SummarySentence
from tests.analysis.factories import EXTENT, P, custody, results, row, source


def full_report() -> Report:
    return aggregate(
        source=source(),
        processing=[row(2), row(0), row(1)],
        results=results(0, 1, 2),
        custody=custody(),
        extent=EXTENT,
    )


def test_entities_merge_across_chunks_with_aliases_and_deduped_mentions() -> None:
    report = full_report()
    smith = report.entities[0]
    assert smith.name == "John Smith"
    assert smith.type == "person"
    # p. 4 "Mr. Smith" came from both chunks: counted once; "Smith" alone (chunk 2) joins too.
    assert [(m.span.page_start, m.quote) for m in smith.mentions] == [
        (1, "John Smith"),
        (4, "Mr. Smith"),
        (6, "Smith"),
        (8, "Smith"),
    ]
    assert "J. Smith" in smith.aliases
    assert "Smith" in smith.aliases
    acme = next(e for e in report.entities if e.type == "organization")
    assert len(acme.mentions) == 2
    assert (acme.name, acme.aliases) == ("Acme Corp", ["The Acme Corp."])


def test_entities_sorted_by_mention_count() -> None:
    counts = [len(e.mentions) for e in full_report().entities]
    assert counts == sorted(counts, reverse=True)


def test_timeline_deduped_and_ordered_partial_dates_first_undated_last() -> None:
    timeline = full_report().timeline
    assert [e.date for e in timeline] == ["2019-12", "2020", "2020-03-05", None]


def test_flags_and_quotes_deduped_in_overlap_and_sorted() -> None:
    report = full_report()
    assert [(f.kind, f.span.page_start) for f in report.flags] == [("pii", 4), ("privilege", 6)]
    assert len(report.quotes) == 1


def test_summary_is_cited_and_covers_the_document() -> None:
    report = full_report()
    pages = [s.span.page_start or 0 for s in report.summary_sentences]
    assert pages == sorted(pages)
    # one sentence per chunk comes before any second sentence from the same chunk
    assert pages == [1, 5, 7]
    assert report.summary.startswith("The deposition of John Smith began.")
    assert "The witness was excused." in report.summary


def test_custom_summary_reducer_is_used() -> None:
    seen: list[int] = []

    def reducer(sentences: list[SummarySentence], limit: int) -> list[SummarySentence]:
        seen.append(limit)
        return sentences[-1:]

    report = aggregate(
        source=source(),
        processing=[row(0), row(1), row(2)],
        results=results(0, 1, 2),
        custody=[],
        extent=EXTENT,
        summarize=reducer,
    )
    assert seen == [3]
    assert report.summary == "The witness was excused."


def test_sections_tile_the_document_with_topic_titles() -> None:
    sections = full_report().sections
    # chunks 0 and 1 share the contract dispute and Smith; chunk 2 shares nothing with them
    assert [(s.span.page_start, s.span.page_end) for s in sections] == [(1, 7), (8, 10)]
    assert [s.chunks for s in sections] == [[0, 1], [2]]
    assert sections[0].title == "Contract Dispute"
    assert sections[1].title == "Procedure"
    assert "The deposition" in sections[0].summary


def test_topics_languages_notes() -> None:
    report = full_report()
    assert report.topics[0].name == "contract dispute"
    assert report.topics[0].score == 1.0
    assert all(0 <= t.score <= 1 for t in report.topics)
    assert report.languages == ["en", "fr"]
    assert report.notes == ["NER not available for language fr"]


def test_processing_rows_in_index_order_with_totals() -> None:
    report = aggregate(
        source=source(),
        processing=[row(2), row(1, status="failed", error="timeout", provider="qwen"), row(0)],
        results=results(0, 2),
        custody=[],
        extent=EXTENT,
    )
    proc = report.processing
    assert [c.index for c in proc.chunks] == [0, 1, 2]
    totals = proc.totals
    assert (totals.chunks, totals.chunks_succeeded, totals.chunks_failed) == (3, 2, 1)
    assert (totals.input_tokens, totals.output_tokens, totals.cached_tokens) == (200, 40, 20)
    assert totals.cost_usd == 0.002
    assert totals.latency_ms == 1000
    assert totals.by_provider["local"]["chunks"] == 2
    assert totals.by_provider["qwen"]["chunks"] == 1
    assert totals.by_provider["qwen"]["cost_usd"] == 0


def test_no_results_gives_an_empty_but_honest_report() -> None:
    report = aggregate(
        source=source(),
        processing=[row(i, status="failed", error="boom") for i in range(3)],
        results={},
        custody=[],
        extent=EXTENT,
    )
    assert report.summary == ""
    assert report.coverage.analyzed == []
    assert [g.span for g in report.coverage.gaps] == [P(1, 10)]
    assert "chunk 0" in report.coverage.gaps[0].reason
    assert "chunk 2" in report.coverage.gaps[0].reason


def test_sections_skip_a_failed_region_and_resume_at_the_next_chunk() -> None:
    report = aggregate(
        source=source(),
        processing=[row(0), row(1, status="failed", error="timeout"), row(2)],
        results=results(0, 2),
        custody=[],
        extent=EXTENT,
    )
    assert [s.span for s in report.sections] == [P(1, 4), P(7, 10)]
    assert report.sections[1].summary == "The witness was excused."


WORDS = [f"{a}{b}" for a in ("alpha", "bravo", "delta", "gamma", "omega") for b in "bcdfghjklm"]


def test_many_chunks_are_grouped_into_at_most_twenty_sections() -> None:
    from analysis.schema import ChunkProcessing, ChunkResult

    rows, done = [], {}
    for i in range(50):
        span = P(2 * i + 1, 2 * i + 2)
        rows.append(
            ChunkProcessing(
                index=i,
                span=span,
                provider="local",
                model="m",
                reason="",
                attempts=1,
                status="done",
            )
        )
        done[i] = ChunkResult(
            chunk_index=i, span=span, provider="local", model="m", topics=[WORDS[i]]
        )
    report = aggregate(
        source=source(pages=100),
        processing=rows,
        results=done,
        custody=[],
        extent=P(1, 100),
    )
    # every chunk has its own topic: the 19 boundaries are spread over the document
    assert len(report.sections) == 20
    assert max(len(s.chunks) for s in report.sections) <= 4
    assert report.sections[0].span.page_start == 1
    assert report.sections[-1].span.page_end == 100
    for before, after in zip(report.sections, report.sections[1:], strict=False):
        assert after.span.page_start == (before.span.page_end or 0) + 1
    assert report.coverage.analyzed == [P(1, 100)]
