"""Prices per (provider, model, region), each with its date and source; cost of one call.

Every row comes from `shared/PROVIDERS.md` (A11, A9, B6, B8). Markers are kept in `source`:
[C] vendor doc, [S] secondary only, [U] unconfirmed or derived here. Prices are USD per one
million tokens. Beijing prices are published in CNY per 1K tokens and converted at
`CNY_TO_USD` (a dated assumption). Some models are tiered by the input length of a request:
rows with `up_to_input_tokens` apply only up to that many input tokens, and the first row
that fits wins. `cached_factor` is the share of the input price billed for cached tokens
(implicit-cache hits: 20% at Alibaba [C A6]; about 10% at Gemini 2.5+ [S B6]).

An unknown (provider, model, region) costs 0.0 with one logged warning, never a crash:
self-hosted OpenAI-compatible servers are free to us, and a new model should not stop a job.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Final

from analysis.schema import Usage

__all__ = ["CNY_TO_USD", "PRICES", "Price", "cost_usd", "find_price"]

log = logging.getLogger(__name__)

CNY_TO_USD: Final = 0.14  # assumed rate, 2026-01; only for the Beijing rows


@dataclass(frozen=True)
class Price:
    provider: str
    model: str
    region: str
    input_per_m: float
    output_per_m: float
    cached_factor: float
    as_of: str
    source: str
    up_to_input_tokens: int | None = None


def _cny(per_1k: float) -> float:
    return round(per_1k * 1000 * CNY_TO_USD, 6)


_QW_INTL = "[S A21] api-evangelist/qwen plans-pricing.yml; cache hit 20% [C A6]"
_QW_BJ = "[S A19] Beijing CNY/1K scrape, converted at CNY_TO_USD; cache hit 20% [C A6]"
_QW_U = "[U] output (or whole row) derived from the Beijing ratio; verify on model-pricing"
_JAN, _APR = "2026-01-25", "2026-04-01"  # when each price was read
_GM = "[S B8] paid tier, ai.google.dev/gemini-api/docs/pricing copies; cached ~10% [S B6]"
_GM_U = "[S B8] 3.x preview price; cached discount [U]"

P = Price
PRICES: Final[tuple[Price, ...]] = (
    # Qwen, Singapore (international)
    P("qwen", "qwen3-vl-plus", "intl", 0.20, 1.60, 0.2, _JAN, _QW_U, 32_000),
    P("qwen", "qwen3-vl-flash", "intl", 0.05, 0.40, 0.2, _JAN, _QW_U),
    P("qwen", "qwen3-max", "intl", 1.20, 6.00, 0.2, _JAN, _QW_INTL),
    P("qwen", "qwen3.5-plus", "intl", 0.40, 2.40, 0.2, _APR, _QW_INTL),
    P("qwen", "qwen3.5-flash", "intl", 0.10, 0.40, 0.2, _APR, _QW_INTL),
    P("qwen", "qwen-flash", "intl", _cny(0.00015), _cny(0.0015), 0.2, _JAN, _QW_U),
    # Qwen, China (Beijing)
    P("qwen", "qwen3-vl-plus", "beijing", _cny(0.001), _cny(0.01), 0.2, _JAN, _QW_BJ, 32_000),
    P("qwen", "qwen3-vl-plus", "beijing", _cny(0.0015), _cny(0.015), 0.2, _JAN, _QW_BJ, 128_000),
    P("qwen", "qwen3-vl-plus", "beijing", _cny(0.003), _cny(0.03), 0.2, _JAN, _QW_BJ),
    P("qwen", "qwen-vl-max", "beijing", _cny(0.0016), _cny(0.004), 0.2, _JAN, _QW_BJ),
    P("qwen", "qwen-vl-plus", "beijing", _cny(0.0008), _cny(0.002), 0.2, _JAN, _QW_BJ),
    P("qwen", "qwen-flash", "beijing", _cny(0.00015), _cny(0.0015), 0.2, _JAN, _QW_BJ),
    # Gemini (one global price list)
    P("gemini", "gemini-2.5-pro", "global", 1.25, 10.00, 0.1, _JAN, _GM, 200_000),
    P("gemini", "gemini-2.5-pro", "global", 2.50, 15.00, 0.1, _JAN, _GM),
    P("gemini", "gemini-2.5-flash", "global", 0.30, 2.50, 0.1, _JAN, _GM),
    P("gemini", "gemini-2.5-flash-lite", "global", 0.10, 0.40, 0.1, _JAN, _GM),
    P("gemini", "gemini-3-flash-preview", "global", 0.50, 3.00, 0.1, _JAN, _GM_U),
    P("gemini", "gemini-3.1-pro-preview", "global", 2.00, 12.00, 0.1, _JAN, _GM_U, 200_000),
    P("gemini", "gemini-3.1-pro-preview", "global", 4.00, 18.00, 0.1, _JAN, _GM_U),
)  # fmt: skip


def find_price(provider: str, model: str, region: str, input_tokens: int = 0) -> Price | None:
    """The row for this call: the first matching tier that holds `input_tokens`.

    Past the last tier we know, the last (dearest) tier applies: a call is never priced at 0
    just because the table stops short of its size. Such rows are marked as extrapolated.
    """
    rows = [r for r in PRICES if (r.provider, r.model, r.region) == (provider, model, region)]
    for row in rows:
        if row.up_to_input_tokens is None or input_tokens <= row.up_to_input_tokens:
            return row
    if rows:
        _warn_extrapolated(provider, model, region, input_tokens)
        return rows[-1]
    return None


@functools.lru_cache(maxsize=256)
def _warn_extrapolated(provider: str, model: str, region: str, input_tokens: int) -> None:
    log.warning(
        "%s %s (%s): %d input tokens is past the last known price tier; using that tier",
        provider, model, region, input_tokens,
    )  # fmt: skip


def cost_usd(provider: str, model: str, region: str, usage: Usage) -> float:
    """USD for one call; cached input tokens (a part of input_tokens) at the cached rate."""
    price = find_price(provider, model, region, usage.input_tokens)
    if price is None:
        _warn_unknown(provider, model, region)
        return 0.0
    cached = min(usage.cached_tokens, usage.input_tokens)
    fresh = usage.input_tokens - cached
    total = (
        fresh * price.input_per_m
        + cached * price.input_per_m * price.cached_factor
        + usage.output_tokens * price.output_per_m
    ) / 1_000_000
    return round(total, 8)


@functools.lru_cache(maxsize=256)
def _warn_unknown(provider: str, model: str, region: str) -> None:
    """Logged once per (provider, model, region): the cost of such calls is reported as 0."""
    log.warning(
        "no price for %s model %s in region %s; its cost is reported as 0", provider, model, region
    )
