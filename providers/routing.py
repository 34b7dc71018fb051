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


# ----------------------------------------------------------------- scheduler routing data
# Residency zones of the endpoint regions the providers name in `Capabilities.regions`
# (PROVIDERS.md A1). A job's `options.regions` matches a provider when they share a zone
# or the region name itself. `local` runs on the operator's own machines (on-premises), so
# it satisfies every residency constraint. Gemini's API has no regional endpoint ("global"):
# it matches only a job that allows "global", unless the operator declares zones for it in
# `Capabilities.residency` (e.g. a Vertex EU endpoint behind a gateway).
ON_PREMISES = "local"
REGION_ZONES: dict[str, frozenset[str]] = {
    "frankfurt": frozenset({"eu", "de", "eu-central-1"}),
    "eu-central-1": frozenset({"eu", "de", "frankfurt"}),
    "us": frozenset({"us", "us-east-1", "virginia"}),
    "intl": frozenset({"sg", "apac", "ap-southeast-1", "singapore"}),
    "beijing": frozenset({"cn", "cn-beijing"}),
    "hongkong": frozenset({"hk", "cn-hongkong"}),
    "tokyo": frozenset({"jp", "apac", "ap-northeast-1"}),
    "global": frozenset({"global"}),
    "self-hosted": frozenset({"self-hosted"}),
}


@dataclass(frozen=True)
class Traits:
    """What the scheduler routes on besides modalities: residency zones, strengths, languages."""

    zones: frozenset[str]
    strengths: frozenset[str]
    languages: frozenset[str]

    @property
    def on_premises(self) -> bool:
        return ON_PREMISES in self.zones


# Defaults until qwen.py / gemini.py declare `strengths` and `preferred_languages` in their
# Capabilities (then these rows are no longer read): Qwen for long-form accuracy and for
# Thai/Japanese/Korean/Chinese (its tokenizer is 20–30% more compact there); Gemini for the
# fastest first token and for Finnish/Hungarian (issue 5).
DEFAULT_TRAITS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "qwen": (frozenset({"long-form"}), frozenset({"th", "ja", "ko", "zh"})),
    "gemini": (frozenset({"fast-first-token"}), frozenset({"fi", "hu"})),
}


def traits(provider: Provider) -> Traits:
    caps = provider.capabilities
    zones = set(caps.residency) | set(caps.regions)
    for region in caps.regions:
        zones |= REGION_ZONES.get(region.lower(), frozenset())
    if caps.offline:
        zones.add(ON_PREMISES)
    strengths, languages = DEFAULT_TRAITS.get(provider.name, (frozenset(), frozenset()))
    return Traits(
        zones=frozenset(z.lower() for z in zones),
        strengths=caps.strengths or strengths,
        languages=caps.preferred_languages or languages,
    )
