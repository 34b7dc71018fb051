"""Extractive summary: a cheap TF-IDF pre-rank, then TextRank over MiniLM embeddings.

MiniLM in numpy manages ~55–110 sentences per CPU-second, so only the `CANDIDATES` most
central sentences of a chunk (cosine to the TF-IDF centroid) are embedded. For languages
MiniLM was not trained on, TextRank runs on the TF-IDF vectors instead.
"""

from __future__ import annotations

import math
import re
from functools import cache

import numpy as np
import numpy.typing as npt

from analysis.schema import SummarySentence
from providers.local.text import NO_SPACE_LANGS, Page, Sentence

F32 = npt.NDArray[np.float32]
CANDIDATES = 12
KEEP = 5
SUMMARY_SENTENCES = 3
_WORD = re.compile(r"[^\W\d_]{3,}")
_LETTERS = re.compile(r"[^\W\d_]+")


@cache
def stop_words() -> frozenset[str]:
    from spacy.lang.en.stop_words import STOP_WORDS

    extra = {"said", "says", "also", "would", "could", "shall", "mr", "ms", "mrs", "dr", "inc"}
    return frozenset(STOP_WORDS) | extra


def terms(text: str, language: str | None) -> list[str]:
    lowered = text.lower()
    if language in NO_SPACE_LANGS:
        letters = "".join(_LETTERS.findall(lowered))
        return [letters[i : i + 2] for i in range(len(letters) - 1)]
    stops = stop_words() if language in (None, "en") else frozenset()
    return [w for w in _WORD.findall(lowered) if w not in stops]


def _usable(sentence: Sentence, language: str | None) -> bool:
    if language in NO_SPACE_LANGS:
        return 12 <= len(sentence.text) <= 300
    words = sentence.text.split()
    letters = sum(ch.isalpha() for ch in sentence.text)
    return 6 <= len(words) <= 70 and letters >= 0.6 * len(sentence.text)


def tfidf(docs: list[list[str]]) -> F32:
    vocab: dict[str, int] = {}
    for doc in docs:
        for term in doc:
            vocab.setdefault(term, len(vocab))
    matrix = np.zeros((len(docs), max(1, len(vocab))), dtype=np.float32)
    for row, doc in enumerate(docs):
        for term in doc:
            matrix[row, vocab[term]] += np.float32(1.0)
    df = (matrix > 0).sum(axis=0).astype(np.float32)
    idf = np.log((np.float32(1.0) + len(docs)) / (np.float32(1.0) + df)) + np.float32(1.0)
    matrix = np.log1p(matrix) * idf.astype(np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    out: F32 = (matrix / np.maximum(norms, np.float32(1e-9))).astype(np.float32)
    return out


def textrank(vectors: F32, damping: float = 0.85, iterations: int = 40) -> F32:
    """PageRank over the cosine graph of L2-normalised rows."""
    n = vectors.shape[0]
    sim = np.clip(vectors @ vectors.T, np.float32(0.0), None)
    np.fill_diagonal(sim, np.float32(0.0))
    sums = sim.sum(axis=1, keepdims=True)
    walk = np.where(sums > 0, sim / np.maximum(sums, np.float32(1e-9)), np.float32(1.0 / n))
    rank = np.full(n, np.float32(1.0 / n), dtype=np.float32)
    d = np.float32(damping)
    for _ in range(iterations):
        rank = (np.float32(1.0) - d) / np.float32(n) + d * (walk.T @ rank)
    out: F32 = rank.astype(np.float32)
    return out


def _distinct(sentences: list[Sentence], language: str | None) -> list[Sentence]:
    """First copy of each usable sentence. Text on 3+ pages is a running header or footer,
    skipped unless nothing else is left."""
    pages: dict[str, set[int]] = {}
    for s in sentences:
        pages.setdefault(s.text, set()).add(s.page)
    first = {s.text: s for s in reversed(sentences)}
    usable = [s for s in first.values() if _usable(s, language)]
    usable.sort(key=lambda s: (s.page, s.start))
    unique = [s for s in usable if len(pages[s.text]) < 3]
    return unique or usable


def _candidates(sentences: list[Sentence], language: str | None) -> tuple[list[Sentence], F32]:
    usable = _distinct(sentences, language)
    if not usable:
        return [], np.zeros((0, 1), dtype=np.float32)
    vectors = tfidf([terms(s.text, language) for s in usable])
    centroid = vectors.mean(axis=0)
    centrality = vectors @ centroid
    top = sorted(np.argsort(-centrality, kind="stable")[:CANDIDATES].tolist())
    return [usable[i] for i in top], vectors[top]


def summarize(
    pages: list[Page], language: str | None, use_embeddings: bool
) -> list[SummarySentence]:
    """Up to `KEEP` central, non-redundant sentences, best first, with their page spans."""
    sentences = [s for page in pages for s in page.sentences]
    chosen, vectors = _candidates(sentences, language)
    if not chosen:
        return []
    if use_embeddings:
        from providers.local.embed import encode

        vectors = encode([s.text for s in chosen])
    scores = textrank(vectors) if len(chosen) > 1 else np.ones(1, dtype=np.float32)
    scores = scores / np.maximum(scores.max(), np.float32(1e-9))
    picked: list[int] = []
    for i in np.argsort(-scores, kind="stable").tolist():
        if all(float(vectors[i] @ vectors[j]) < 0.85 for j in picked):
            picked.append(i)
        if len(picked) == KEEP:
            break
    return [
        SummarySentence(
            span=pages[chosen[i].page].span,
            text=chosen[i].text,
            score=round(float(scores[i]), 4) if math.isfinite(float(scores[i])) else 0.0,
        )
        for i in picked
    ]


def summary_text(sentences: list[SummarySentence], pages: list[Page]) -> str:
    """The top `SUMMARY_SENTENCES` in reading order (page, then position)."""
    order = {(p.span, s.text): (k, s.start) for k, p in enumerate(pages) for s in p.sentences}
    top = sentences[:SUMMARY_SENTENCES]
    top = sorted(top, key=lambda s: order.get((s.span, s.text), (0, 0)))
    return " ".join(s.text for s in top)
