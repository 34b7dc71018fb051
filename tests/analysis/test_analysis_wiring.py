"""The shell's embedder for reports: MiniLM only for long reports."""

from __future__ import annotations

import numpy as np

from longform.reporting import EMBED_MIN_CHUNKS, local_embedder


def test_short_reports_use_the_tfidf_fallback() -> None:
    assert local_embedder(EMBED_MIN_CHUNKS - 1) is None


def test_long_reports_get_normalised_minilm_rows() -> None:
    embedder = local_embedder(EMBED_MIN_CHUNKS)
    assert embedder is not None
    rows = embedder(["The harbor pilot docked the vessel.", "The nurse gave the vaccine."])
    assert rows.shape == (2, 384) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
