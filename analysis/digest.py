"""The map step's output, embedded once: each chunk's best summary sentences as vectors.

Every chunk contributes its `MAP_SENTENCES` best summary sentences (by the chunk's own score;
a chunk with only a summary string contributes that), verbatim repeats from an overlapping
earlier chunk dropped. They are embedded in one call, together with each chunk's topic list,
so that sections (topic shift between chunks) and summaries (centrality of sentences) read
the same vectors. With a model embedder that call is the only costly step of aggregation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from analysis.merge import norm_text
from analysis.schema import ChunkResult, SummarySentence
from analysis.vectors import F32, Embedder, embed, mean_vector, textrank

MAP_SENTENCES = 3


@dataclass(frozen=True)
class Digest:
    """`sentences` in document order; `unit_of[i]` is the position (in `results`) of the chunk
    sentence i came from; `centrality` is TextRank over all sentences (0..1)."""

    results: Sequence[ChunkResult]
    sentences: list[SummarySentence]
    unit_of: list[int]
    vectors: F32
    unit_vectors: F32
    centrality: F32

    def members(self, units: Sequence[int]) -> list[int]:
        """Indices of the sentences of some units, in document order."""
        wanted = set(units)
        return [i for i, u in enumerate(self.unit_of) if u in wanted]

    def strength(self, i: int) -> float:
        """How summary-worthy sentence i is: its chunk's score and its centrality, equally."""
        return 0.5 * min(1.0, max(0.0, self.sentences[i].score)) + 0.5 * float(self.centrality[i])


def chunk_sentences(result: ChunkResult) -> list[SummarySentence]:
    """A chunk's summary sentences best first (its summary string if it gave no sentences)."""
    if result.summary_sentences:
        return sorted(result.summary_sentences, key=lambda s: -s.score)
    if result.summary.strip():
        return [SummarySentence(span=result.span, text=result.summary.strip(), score=0.0)]
    return []


def build_digest(results: Sequence[ChunkResult], embedder: Embedder | None) -> Digest:
    """`results` in document order."""
    seen: set[str] = set()
    picked: list[tuple[SummarySentence, int]] = []
    for unit, result in enumerate(results):
        for sentence in chunk_sentences(result)[:MAP_SENTENCES]:
            key = norm_text(sentence.text)
            if key and key not in seen:
                seen.add(key)
                picked.append((sentence, unit))
    picked.sort(key=lambda pair: (pair[0].span.sort_key(), pair[1]))
    topic_units = [u for u, r in enumerate(results) if r.topics]
    texts = [s.text for s, _ in picked] + ["; ".join(results[u].topics) for u in topic_units]
    rows = embed(texts, embedder)
    count = len(picked)
    vectors = rows[:count] if count else np.zeros((0, rows.shape[1]), dtype=np.float32)
    by_unit: list[list[int]] = [[] for _ in results]
    for i, (_, unit) in enumerate(picked):
        by_unit[unit].append(i)
    for offset, unit in enumerate(topic_units):
        by_unit[unit].append(count + offset)
    width = rows.shape[1]
    unit_vectors = np.stack([mean_vector(rows[idx]) for idx in by_unit]) if by_unit else None
    return Digest(
        results=results,
        sentences=[s for s, _ in picked],
        unit_of=[u for _, u in picked],
        vectors=vectors,
        unit_vectors=unit_vectors if unit_vectors is not None else np.zeros((0, width), np.float32),
        centrality=textrank(vectors) if count > 1 else np.ones(count, dtype=np.float32),
    )
