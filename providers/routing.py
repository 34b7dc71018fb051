"""Which providers may analyse a chunk, in order, and why (the scheduler's first cut).

Capabilities are data: a provider is skipped when the chunk holds a modality it does not
take, never because of its name. The offline `local` provider ends every list, so a chunk
reaches an answer or an explicit gap even when every cloud provider fails.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.types import Chunk
from providers.base import Provider

LOCAL = "local"


@dataclass(frozen=True)
class Candidate:
    provider: Provider
    reason: str


def chunk_modalities(chunk: Chunk) -> set[str]:
    return {part.kind for part in chunk.parts if part.text or part.path or part.blob_key}


def candidates(
    chunk: Chunk, requested: list[str], available: dict[str, Provider]
) -> tuple[list[Candidate], list[str]]:
    """Ordered candidates for `chunk`, and notes on requested providers that were skipped."""
    needed = chunk_modalities(chunk)
    ordered: list[Candidate] = []
    skipped: list[str] = []
    for name in [*requested, LOCAL]:
        provider = available.get(name)
        if provider is None or any(c.provider is provider for c in ordered):
            continue
        missing = needed - set(provider.capabilities.modalities)
        if missing and name != LOCAL:
            skipped.append(f"{name} skipped: takes no {', '.join(sorted(missing))}")
            continue
        why = "requested in options.providers" if name in requested else "offline fallback"
        ordered.append(Candidate(provider, f"{name} ({why})"))
    return ordered, skipped
