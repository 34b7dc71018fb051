"""LocalProvider end to end through its process pool."""

from __future__ import annotations

import pytest

from fixtures import legal_texts as gt
from ingest.types import Chunk, ChunkPart, Span
from providers.base import AnalysisTask, Provider
from providers.errors import ProviderRejected
from providers.local import LocalProvider
from providers.local.engine import analyze_document_chunk

pytestmark = pytest.mark.anyio


async def test_analyze_through_the_pool(local_provider: LocalProvider) -> None:
    assert isinstance(local_provider, Provider)
    assert local_provider.capabilities.offline and local_provider.capabilities.modalities == {
        "text",
        "image",
        "audio",
        "video",
    }
    chunk = gt.legal_chunk(index=3)
    result = await local_provider.analyze(chunk, AnalysisTask())
    assert result.chunk_index == 3 and result.span == Span.pages(11, 14)
    assert result.latency_ms > 0
    in_process = analyze_document_chunk(chunk, AnalysisTask())
    assert result.model_dump(exclude={"latency_ms"}) == in_process.model_dump(
        exclude={"latency_ms"}
    )


async def test_chunk_without_text_is_rejected(local_provider: LocalProvider) -> None:
    part = ChunkPart(kind="image", mime="image/jpeg", span=Span.pages(3), blob_key="k")
    chunk = Chunk(index=0, span=Span.pages(3), parts=[part], token_estimate=0)
    with pytest.raises(ProviderRejected):
        await local_provider.analyze(chunk, AnalysisTask())


def test_workers_must_be_positive() -> None:
    with pytest.raises(ValueError):
        LocalProvider(workers=0)
