"""Topics and sections v1.

Topics: each chunk lists its topics most relevant first; a topic scores 1/(1 + rank) per chunk
that names it, summed over chunks and scaled so the strongest topic scores 1.0.

Sections: one per planned chunk, or per run of chunks when there are more than
`MAX_SECTIONS`. Sections tile the analysed file without overlap: a region starts where the
previous section ended, and a region without a succeeded chunk is a gap (see coverage), not a
section. Each is titled by its strongest topic and summarised by its best sentences.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from analysis.merge import norm_text, sorted_by_span
from analysis.schema import ChunkProcessing, ChunkResult, Section, SummarySentence, Topic
from ingest.types import Span

MAX_SECTIONS = 20
MAX_TOPICS = 25
SECTION_SENTENCES = 2


def rank_topics(results: Sequence[ChunkResult], limit: int = MAX_TOPICS) -> list[Topic]:
    """Topics across `results`, strongest first, scores normalised to 0..1."""
    score: dict[str, float] = defaultdict(float)
    forms: dict[str, Counter[str]] = defaultdict(Counter)
    for result in results:
        seen: set[str] = set()
        for rank, raw in enumerate(result.topics):
            key = norm_text(raw)
            if not key or key in seen:
                continue
            seen.add(key)
            score[key] += 1.0 / (1 + rank)
            forms[key][" ".join(raw.split())] += 1
    if not score:
        return []
    top = max(score.values())
    ordered = sorted(score, key=lambda k: (-score[k], k))[:limit]
    return [
        Topic(name=forms[k].most_common(1)[0][0], score=round(score[k] / top, 4)) for k in ordered
    ]


def build_sections(
    rows: Sequence[ChunkProcessing],
    results: dict[int, ChunkResult],
    sentences: Sequence[SummarySentence],
) -> list[Section]:
    """Sections over the planned chunks; regions with no succeeded chunk are left out (they
    are gaps, reported under coverage)."""
    planned = sorted(rows, key=lambda row: row.span.sort_key())
    if not planned:
        return []
    size = math.ceil(len(planned) / MAX_SECTIONS)
    sections: list[Section] = []
    previous_end: float | None = None
    for first in range(0, len(planned), size):
        group = planned[first : first + size]
        span = _region(group, previous_end)
        done = [results[row.index] for row in group if row.index in results]
        if span is not None and done:
            previous_end = span.sort_key()[1]
            sections.append(_section(span, done, sentences, len(sections) + 1))
    return sections


def _region(group: Sequence[ChunkProcessing], previous_end: float | None) -> Span | None:
    """The group's span minus what the previous region already took; None if nothing is left."""
    start = min(row.span.sort_key()[0] for row in group)
    end = max(row.span.sort_key()[1] for row in group)
    if group[0].span.is_pages:
        if previous_end is not None:
            start = max(start, previous_end + 1)
        return Span.pages(int(start), int(end)) if start <= end else None
    if previous_end is not None:
        start = max(start, previous_end)
    return Span.seconds(start, end) if start < end else None


def _section(
    span: Span, done: Sequence[ChunkResult], sentences: Sequence[SummarySentence], number: int
) -> Section:
    topics = rank_topics(done, limit=1)
    title = _title(topics[0].name) if topics else f"Part {number}"
    lo, hi = span.sort_key()
    inside = [s for s in sentences if lo <= s.span.sort_key()[0] <= hi]
    best = sorted(inside, key=lambda s: -s.score)[:SECTION_SENTENCES]
    if best:
        summary = " ".join(" ".join(s.text.split()) for s in sorted_by_span(best, lambda s: s.span))
    else:
        summary = next((" ".join(r.summary.split()) for r in done if r.summary.strip()), "")
    return Section(title=title, span=span, summary=summary)


def _title(topic: str) -> str:
    return topic[:1].upper() + topic[1:]
