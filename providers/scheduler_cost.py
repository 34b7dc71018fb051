"""What one chunk will cost on one provider, before it is sent: tokens and USD, with a range.

Prices come from `providers.pricing` for the model the provider will really bill for this
chunk's modalities and its endpoint region. A provider that splits a chunk over several
models (Qwen: text, VL and Omni models) exposes them as a `models` attribute with `text`,
`vl` and `omni` fields; the chunk is priced on the models its parts go to. A model with no
price row is priced at its `cost_tier`'s fallback rate and marked unpriced, never as free:
an unknown price must not make a provider look cheapest.

Token model (stated, not measured): the planner's estimate is the input, ±15%; output is
12% of the input, between 400 and 4,000 tokens, with a range of half to twice that. For
a provider preferred for the chunk's language, input tokens are 25% fewer (Qwen's
tokenizer is 20–30% more compact for Thai, Japanese, Korean and Chinese).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from providers.base import Provider
from providers.pricing import Price, find_price
from providers.routing import traits
from providers.scheduler_types import ChunkInfo

__all__ = ["CostEstimate", "billed_models", "estimate_cost"]

INPUT_SPREAD: Final = 0.15
OUTPUT_SHARE, OUTPUT_MIN, OUTPUT_MAX = 0.12, 400, 4_000
COMPACT_TOKENIZER: Final = 0.75
# USD per 1M tokens (input, output) when a model has no price row, by cost tier.
TIER_FALLBACK: Final = {0: (0.0, 0.0), 1: (0.30, 2.50), 2: (0.40, 2.40), 3: (1.25, 10.0)}


@dataclass(frozen=True)
class CostEstimate:
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float
    low_usd: float
    high_usd: float
    priced: bool  # False: at least one model had no price row (tier fallback used)


def billed_models(provider: Provider, modalities: frozenset[str]) -> list[str]:
    """The models a chunk with `modalities` is billed on (one for most providers)."""
    split = getattr(provider, "models", None)
    text, vl, omni = (getattr(split, name, None) for name in ("text", "vl", "omni"))
    if not (isinstance(text, str) and isinstance(vl, str) and isinstance(omni, str)):
        return [provider.model]
    models = []
    if modalities & {"image", "video"}:
        models.append(vl)
    if "audio" in modalities:
        models.append(omni)
    return models or [text]


def _region(provider: Provider) -> str:
    region = getattr(provider, "region", None)
    if isinstance(region, str):
        return region
    return min(provider.capabilities.regions, default="global")


def _rates(provider: Provider, model: str, input_tokens: int) -> tuple[float, float, bool]:
    if provider.capabilities.offline:
        return 0.0, 0.0, True
    price: Price | None = find_price(provider.name, model, _region(provider), input_tokens)
    if price is not None:
        return price.input_per_m, price.output_per_m, True
    tier = min(max(provider.capabilities.cost_tier, 0), 3)
    fallback_in, fallback_out = TIER_FALLBACK[tier]
    return fallback_in, fallback_out, False


def estimate_cost(provider: Provider, chunk: ChunkInfo) -> CostEstimate:
    tokens = float(max(chunk.tokens, 1))
    if chunk.language and chunk.language in traits(provider).languages:
        tokens *= COMPACT_TOKENIZER
    output = min(max(tokens * OUTPUT_SHARE, OUTPUT_MIN), OUTPUT_MAX)
    models = billed_models(provider, chunk.modalities)
    share = tokens / len(models)  # a split chunk sends each part to its own model
    mid = low = high = 0.0
    priced = True
    for model in models:
        rate_in, rate_out, known = _rates(provider, model, int(share))
        priced = priced and known
        out = output / len(models)
        mid += (share * rate_in + out * rate_out) / 1e6
        low += (share * (1 - INPUT_SPREAD) * rate_in + out * 0.5 * rate_out) / 1e6
        high += (share * (1 + INPUT_SPREAD) * rate_in + out * 2.0 * rate_out) / 1e6
    return CostEstimate(
        model="+".join(models),
        input_tokens=round(tokens),
        output_tokens=round(output),
        cost_usd=round(mid, 8),
        low_usd=round(low, 8),
        high_usd=round(high, 8),
        priced=priced,
    )
