"""Topics and sections.

Topics: each chunk lists its topics most relevant first; a topic scores 1/(1 + rank) per chunk
that names it, summed over chunks and scaled so the strongest topic scores 1.0.

Sections: the succeeded chunks are cut where the topic shifts (`analysis.tiling` over the
digest's chunk vectors), at most `MAX_SECTIONS` of them and at least one, and always where a
failed chunk left a gap. Sections tile the analysed file without overlap: a section starts
where the previous one ended, and a region without a succeeded chunk is a gap (see
coverage), not a section. A section is titled by the topics (else the words) that set it
apart from the other sections; its summary is filled in by `analysis.summary`.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from analysis.digest import Digest
from analysis.merge import norm_text
from analysis.schema import ChunkResult, Section, Topic
from analysis.tiling import boundaries
from analysis.vectors import keywords
from ingest.types import Span

MAX_SECTIONS = 20
MAX_TOPICS = 25
TITLE_TOPICS = 3
SECTION_KEYWORDS = 5


def _topic_scores(results: Sequence[ChunkResult]) -> tuple[dict[str, float], dict[str, str]]:
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
    return dict(score), {k: c.most_common(1)[0][0] for k, c in forms.items()}


def rank_topics(results: Sequence[ChunkResult], limit: int = MAX_TOPICS) -> list[Topic]:
    """Topics across `results`, strongest first, scores normalised to 0..1."""
    score, form = _topic_scores(results)
    if not score:
        return []
    top = max(score.values())
    ordered = sorted(score, key=lambda k: (-score[k], k))[:limit]
    return [Topic(name=form[k], score=round(score[k] / top, 4)) for k in ordered]


def segment_units(digest: Digest, max_sections: int = MAX_SECTIONS) -> list[list[int]]:
    """The digest's units (chunks, in order) grouped into sections."""
    results = digest.results
    if not results:
        return []
    forced = [u for u in range(1, len(results)) if _gap_between(results[u - 1], results[u])]
    cuts = boundaries(digest.unit_vectors, forced=forced, max_segments=max_sections)
    edges = [0, *cuts, len(results)]
    return [list(range(a, b)) for a, b in itertools.pairwise(edges) if a < b]


def _gap_between(before: ChunkResult, after: ChunkResult) -> bool:
    end = max(before.span.sort_key()[1], before.span.sort_key()[0])
    start = after.span.sort_key()[0]
    return start > end + 1 if after.span.is_pages else start > end + 0.001


def build_sections(
    digest: Digest, groups: Sequence[Sequence[int]]
) -> list[tuple[Section, Sequence[int]]]:
    """One section per group of units (with the group), spans tiling the analysed parts;
    summaries are left empty."""
    results = digest.results
    titles = _titles(digest, groups)
    sections: list[tuple[Section, Sequence[int]]] = []
    previous_end: float | None = None
    for group, (title, words) in zip(groups, titles, strict=True):
        span = _region([results[u].span for u in group], previous_end)
        if span is None:
            continue
        previous_end = span.sort_key()[1]
        section = Section(
            title=title or f"Part {len(sections) + 1}",
            span=span,
            summary="",
            keywords=words,
            chunks=[results[u].chunk_index for u in group],
        )
        sections.append((section, group))
    return sections


def _region(spans: Sequence[Span], previous_end: float | None) -> Span | None:
    """The spans' extent minus what the previous section already took; None if nothing left."""
    start = min(span.sort_key()[0] for span in spans)
    end = max(span.sort_key()[1] for span in spans)
    if spans[0].is_pages:
        if previous_end is not None:
            start = max(start, previous_end + 1)
        return Span.pages(int(start), int(end)) if start <= end else None
    if previous_end is not None:
        start = max(start, previous_end)
    return Span.seconds(start, end) if start < end else None


def _titles(digest: Digest, groups: Sequence[Sequence[int]]) -> list[tuple[str, list[str]]]:
    """(title, keywords) per group: its topics weighted by how few other groups name them,
    or, for a group without topics, its most distinctive words."""
    scored = [_topic_scores([digest.results[u] for u in group]) for group in groups]
    spread = Counter(key for score, _ in scored for key in score)
    texts = [" ".join(digest.sentences[i].text for i in digest.members(g)) for g in groups]
    words = keywords(texts, SECTION_KEYWORDS)
    out: list[tuple[str, list[str]]] = []
    for (score, form), fallback in zip(scored, words, strict=True):
        weight = {k: s * (1.0 + math.log(len(groups) / spread[k])) for k, s in score.items()}
        ranked = sorted(weight, key=lambda k: (-weight[k], k))
        names = [form[k] for k in ranked[:SECTION_KEYWORDS]] or fallback
        if not names:
            out.append(("", []))
            continue
        if ranked:
            top = weight[ranked[0]]
            shown = [form[k] for k in ranked[:TITLE_TOPICS] if weight[k] >= top / 2]
        else:
            shown = names[:TITLE_TOPICS]
        out.append((", ".join(_capitalised(name) for name in shown), names))
    return out


_ACRONYMS = {
    "llc": "LLC", "llp": "LLP", "lp": "LP", "inc": "Inc", "ltd": "Ltd", "plc": "PLC",
    "gmbh": "GmbH", "ag": "AG", "nv": "NV", "bv": "BV", "sa": "SA", "usa": "USA",
    "us": "US", "uk": "UK", "eu": "EU", "un": "UN", "ceo": "CEO", "cfo": "CFO",
    "sec": "SEC", "fbi": "FBI", "doj": "DOJ", "irs": "IRS", "nda": "NDA",
}  # fmt: skip


def _capitalised(text: str) -> str:
    """Topics are lower-cased keys; a heading reads better with each word capitalised
    ("Cobalt Ridge Capital"), keeping words that already carry capitals ("eBay")."""
    return " ".join(_word(w) for w in text.split())


def _word(word: str) -> str:
    if any(c.isupper() for c in word):
        return word
    return _ACRONYMS.get(word.strip(".,").lower(), word[:1].upper() + word[1:])
