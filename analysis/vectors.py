"""Text vectors for aggregation: the `Embedder` seam, a TF-IDF fallback, cosine and TextRank.

`analysis` never loads a model. The shell may hand `aggregate` an `Embedder` (e.g. the local
MiniLM encoder); without one, texts are embedded by TF-IDF over the texts of the same call,
which is deterministic and needs nothing but numpy. Both give L2-normalised float32 rows, so
cosine similarity is a dot product either way; a text with no usable word is a zero row.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
MAX_TERMS = 4096  # TF-IDF vocabulary cap (most widespread terms), bounds memory on long files

_WORD = re.compile(r"[^\W\d_]{3,}")
_NO_SPACE = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+")
_STOP_TEXT = """
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up upon very was we
were what when where which while who whom why will with would you your yours yourself said
says shall may might must mr mrs ms dr inc page pages yes okay
"""
STOP_WORDS = frozenset(_STOP_TEXT.split())


class Embedder(Protocol):
    """Embeds texts as rows of a (len(texts), d) float32 array, each L2-normalised."""

    def __call__(self, texts: list[str]) -> F32: ...


def terms(text: str) -> list[str]:
    """Content words (3+ letters, not stop words), lowercased; character bigrams for scripts
    written without spaces (Thai, Japanese, Chinese, Korean)."""
    lowered = text.casefold()
    words = [w for w in _WORD.findall(lowered) if w not in STOP_WORDS and not _NO_SPACE.match(w)]
    for run in _NO_SPACE.findall(lowered):
        words.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
    return words


def tfidf_embed(texts: list[str]) -> F32:
    """TF-IDF rows (log-scaled counts times smoothed idf) over the given texts, L2-normalised."""
    docs = [Counter(terms(text)) for text in texts]
    df: Counter[str] = Counter(term for doc in docs for term in doc)
    vocab = {t: i for i, (t, _) in enumerate(sorted(df.items(), key=lambda kv: (-kv[1], kv[0])))}
    vocab = {t: i for t, i in vocab.items() if i < MAX_TERMS}
    matrix = np.zeros((len(texts), max(1, len(vocab))), dtype=np.float32)
    n = len(texts)
    for row, doc in enumerate(docs):
        for term, count in doc.items():
            col = vocab.get(term)
            if col is not None:
                idf = math.log((1 + n) / (1 + df[term])) + 1.0
                matrix[row, col] = np.float32(math.log1p(count) * idf)
    return normalise_rows(matrix)


def normalise_rows(matrix: F32) -> F32:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    out: F32 = np.where(norms > 0, matrix / np.maximum(norms, np.float32(1e-12)), 0.0).astype(
        np.float32
    )
    return out


def embed(texts: Sequence[str], embedder: Embedder | None) -> F32:
    """`embedder(texts)` checked and re-normalised, or `tfidf_embed` when there is none."""
    if not texts:
        return np.zeros((0, 1), dtype=np.float32)
    if embedder is None:
        return tfidf_embed(list(texts))
    vectors = np.asarray(embedder(list(texts)), dtype=np.float32)
    if vectors.ndim != 2 or vectors.shape[0] != len(texts):
        raise ValueError(f"embedder returned shape {vectors.shape} for {len(texts)} texts")
    return normalise_rows(vectors)


def mean_vector(vectors: F32) -> F32:
    """The normalised mean of some rows (zero if they are all zero or there are none)."""
    if vectors.shape[0] == 0:
        return np.zeros(vectors.shape[1], dtype=np.float32)
    total = vectors.sum(axis=0)
    norm = float(np.linalg.norm(total))
    out: F32 = (total / norm if norm > 0 else total).astype(np.float32)
    return out


def textrank(vectors: F32, damping: float = 0.85, iterations: int = 30) -> F32:
    """Centrality of each row: PageRank over the graph of positive cosine similarities,
    scaled so the most central row scores 1.0."""
    n = vectors.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    sim = np.clip(vectors @ vectors.T, np.float32(0.0), None)
    np.fill_diagonal(sim, np.float32(0.0))
    sums = sim.sum(axis=1, keepdims=True)
    walk = np.where(sums > 0, sim / np.maximum(sums, np.float32(1e-9)), np.float32(1.0 / n))
    rank = np.full(n, np.float32(1.0 / n), dtype=np.float32)
    d = np.float32(damping)
    for _ in range(iterations):
        rank = (np.float32(1.0) - d) / np.float32(n) + d * (walk.T @ rank)
    top = float(rank.max())
    out: F32 = (rank / top if top > 0 else rank).astype(np.float32)
    return out


def keywords(texts: Sequence[str], limit: int = 3) -> list[list[str]]:
    """The `limit` most distinctive terms of each text against the others: tf times
    log((1 + n) / df), so a term in every text weighs little but not nothing."""
    docs = [Counter(terms(text)) for text in texts]
    df: Counter[str] = Counter(term for doc in docs for term in doc)
    n = len(docs)
    out: list[list[str]] = []
    for doc in docs:
        weight = {t: c * math.log((1 + n) / df[t]) for t, c in doc.items()}
        out.append(sorted(weight, key=lambda t: (-weight[t], t))[:limit])
    return out
