"""Summaries, map-reduce: chunk summaries → section summaries → the overall summary.

Map: each chunk's provider already summarised it (`ChunkResult.summary_sentences`). Reduce:
with a `Summarizer` (the shell backs it with the job's provider), a section's summary is
written from its chunks' summaries and the overall summary from the section summaries, in
batches of `FAN_IN` texts at a time when there are more. Without one (or when it returns
nothing) the reduction is extractive: a section keeps its `SECTION_SENTENCES` strongest
sentences (the chunk's own score and TextRank centrality over the whole file, equally), and
the overall summary takes the strongest sentence of each section, strongest sections first,
then the strongest remaining ones, read in document order.

The overall summary cites its sections: every `Report.summary_sentences` item lists the
indices of the sections it draws on (for a written summary, the sections whose summaries are
closest to the sentence) and spans them. A caller's `SummaryReducer` (the older seam: pick
sentences) still replaces the overall step.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from analysis.digest import MAP_SENTENCES, Digest, chunk_sentences
from analysis.merge import ChunkGroup, norm_text, sorted_by_span, union_across_chunks
from analysis.schema import ChunkResult, Section, SummarySentence
from analysis.vectors import Embedder, embed
from ingest.types import Span

SECTION_SENTENCES = 2
SECTION_WORDS = 80
OVERALL_WORDS = 200
FAN_IN = 8
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+")

Placed = Sequence[tuple[Section, Sequence[int]]]  # sections with the digest units they cover


class Summarizer(Protocol):
    """Writes one summary of at most `limit_words` words from `texts` (in document order).

    Returns "" when it cannot (the aggregator then falls back to the extractive method);
    it must not raise for a provider failure.
    """

    def __call__(self, texts: list[str], *, limit_words: int) -> str: ...


class SummaryReducer(Protocol):
    """Picks at most `limit` sentences that together summarise the document.

    Sentences arrive in document order, de-duplicated; return them in the order to print.
    """

    def __call__(self, sentences: list[SummarySentence], limit: int) -> list[SummarySentence]: ...


def default_limit(chunks: int) -> int:
    """Summary length: one sentence per chunk for short files, 3 to 10 in all."""
    return min(10, max(3, chunks))


def reduce_texts(summarizer: Summarizer, texts: Sequence[str], limit_words: int) -> str:
    """Hierarchical reduction: more than `FAN_IN` texts are summarised in batches first."""
    pending = [t for t in texts if t.strip()]
    while len(pending) > FAN_IN:
        batches = [pending[i : i + FAN_IN] for i in range(0, len(pending), FAN_IN)]
        pending = [
            s for s in (summarizer(b, limit_words=limit_words) for b in batches) if s.strip()
        ]
    return summarizer(pending, limit_words=limit_words).strip() if pending else ""


def summarise_sections(
    digest: Digest, placed: Placed, summarizer: Summarizer | None
) -> list[Section]:
    """Each section with its summary filled in."""
    out: list[Section] = []
    for section, units in placed:
        text = ""
        if summarizer is not None:
            text = reduce_texts(
                summarizer, [_chunk_text(digest.results[u]) for u in units], SECTION_WORDS
            )
        if not text:
            best = _strongest(digest, digest.members(units))[:SECTION_SENTENCES]
            text = " ".join(" ".join(digest.sentences[i].text.split()) for i in sorted(best))
        if not text:
            text = next(
                (_chunk_text(digest.results[u]) for u in units if _chunk_text(digest.results[u])),
                "",
            )
        out.append(section.model_copy(update={"summary": text}))
    return out


def _chunk_text(result: ChunkResult) -> str:
    if result.summary.strip():
        return " ".join(result.summary.split())
    best = sorted_by_span(chunk_sentences(result)[:MAP_SENTENCES], lambda s: s.span)
    return " ".join(" ".join(s.text.split()) for s in best)


def _strongest(digest: Digest, members: Sequence[int]) -> list[int]:
    return sorted(members, key=lambda i: (-digest.strength(i), i))


def extractive_overall(digest: Digest, placed: Placed, limit: int) -> list[SummarySentence]:
    """The strongest sentence of each section (strongest sections first), then the strongest
    of the rest, up to `limit`, in document order, each citing its section."""
    section_of = {i: k for k, (_, units) in enumerate(placed) for i in digest.members(units)}
    ranked = _strongest(digest, list(section_of))
    leaders: dict[int, int] = {}
    for i in ranked:
        leaders.setdefault(section_of[i], i)
    firsts = sorted(leaders.values(), key=ranked.index)
    chosen = sorted(list(dict.fromkeys([*firsts[: max(0, limit)], *ranked]))[: max(0, limit)])
    return [
        digest.sentences[i].model_copy(
            update={"score": round(digest.strength(i), 4), "sections": [section_of[i]]}
        )
        for i in chosen
    ]


def written_overall(
    text: str, sections: Sequence[Section], embedder: Embedder | None
) -> list[SummarySentence]:
    """A model's summary split into sentences, each citing the sections whose summaries are
    closest to it (the closest, and any within 75% of it), spanning them."""
    pieces = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    if not pieces or not sections:
        return []
    vectors = embed([*pieces, *(s.summary for s in sections)], embedder)
    sims = vectors[: len(pieces)] @ vectors[len(pieces) :].T
    out: list[SummarySentence] = []
    for row, piece in zip(sims, pieces, strict=True):
        best = float(row.max())
        cited = [k for k, value in enumerate(row.tolist()) if best > 0 and value >= 0.75 * best]
        spans = [sections[k].span for k in cited] or [s.span for s in sections]
        out.append(
            SummarySentence(
                span=cover(spans), text=piece, score=round(max(0.0, best), 4), sections=cited
            )
        )
    return out


def cite(
    sentences: Sequence[SummarySentence], sections: Sequence[Section]
) -> list[SummarySentence]:
    """Sentences chosen by a caller's reducer, citing the section holding each one's middle."""
    out: list[SummarySentence] = []
    for sentence in sentences:
        lo, hi = sentence.span.sort_key()
        middle = (lo + hi) / 2
        where = [
            k
            for k, s in enumerate(sections)
            if s.span.sort_key()[0]
            <= middle
            <= s.span.sort_key()[1] + (1 if s.span.is_pages else 0)
        ]
        out.append(sentence.model_copy(update={"sections": where[:1]}))
    return out


def cover(spans: Sequence[Span]) -> Span:
    """The smallest span holding all of `spans` (of one kind)."""
    lo = min(s.sort_key()[0] for s in spans)
    hi = max(s.sort_key()[1] for s in spans)
    return Span.pages(int(lo), int(hi)) if spans[0].is_pages else Span.seconds(lo, hi)


def collect_sentences(ordered: Sequence[ChunkResult]) -> list[SummarySentence]:
    """Every chunk's summary sentences, in document order, without overlap or verbatim repeats.

    A chunk that gave only a `summary` string contributes it as one sentence over its span.
    """
    groups: list[ChunkGroup[SummarySentence]] = [
        (result.span, chunk_sentences(result)) for result in ordered
    ]
    merged = union_across_chunks(groups, key=lambda s: norm_text(s.text), span=lambda s: s.span)
    best: dict[str, SummarySentence] = {}
    for sentence in merged:
        key = norm_text(sentence.text)
        if key and (key not in best or sentence.score > best[key].score):
            best[key] = sentence
    return sorted_by_span(list(best.values()), lambda s: s.span)


def summary_text(sentences: Sequence[SummarySentence]) -> str:
    return " ".join(" ".join(s.text.split()) for s in sentences)
