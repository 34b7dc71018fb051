"""Price rows and the cost of one call; the HTTP error mapping shared by all clients."""

from __future__ import annotations

import logging

import httpx
import pytest

from analysis.schema import Usage
from providers.errors import ProviderRejected, ProviderUnavailable
from providers.httpclient import map_http_errors, parse_retry_after
from providers.pricing import PRICES, Price, cost_usd, find_price


def test_every_row_is_dated_and_sourced() -> None:
    for row in PRICES:
        assert row.as_of.startswith("2026-") and row.source
        assert 0 < row.cached_factor < 1 and row.input_per_m > 0 and row.output_per_m > 0


def test_cost_with_cached_tokens() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cached_tokens=500_000)
    # qwen3-max intl: $1.20 in, $6.00 out, cached at 20%
    expected = 0.5 * 1.20 + 0.5 * 1.20 * 0.2 + 0.1 * 6.00
    assert cost_usd("qwen", "qwen3-max", "intl", usage) == pytest.approx(expected)


def _price(provider: str, model: str, region: str, tokens: int) -> Price:
    row = find_price(provider, model, region, tokens)
    assert row is not None
    return row


def test_tiers_by_input_length() -> None:
    assert _price("gemini", "gemini-2.5-pro", "global", 100_000).input_per_m == 1.25
    assert _price("gemini", "gemini-2.5-pro", "global", 300_000).input_per_m == 2.50
    small = _price("qwen", "qwen3-vl-plus", "beijing", 1_000)
    large = _price("qwen", "qwen3-vl-plus", "beijing", 200_000)
    assert large.output_per_m > small.output_per_m


def test_unknown_model_costs_nothing_and_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="providers.pricing"):
        assert cost_usd("qwen", "qwen-mystery-unknown", "intl", Usage(input_tokens=5)) == 0.0
    assert "no price for qwen model qwen-mystery-unknown" in caplog.text


def _raise(status: int, body: object, headers: dict[str, str] | None = None) -> Exception:
    request = httpx.Request("POST", "http://127.0.0.1/x")
    response = httpx.Response(status, json=body, headers=headers, request=request)
    try:
        with map_http_errors("p", 7):
            response.raise_for_status()
    except Exception as exc:
        return exc
    raise AssertionError("no error")


def test_status_mapping() -> None:
    err = _raise(
        429, {"error": {"message": "slow down", "code": "limit_requests"}}, {"Retry-After": "7"}
    )
    assert isinstance(err, ProviderUnavailable) and err.retry_after == 7.0
    assert err.reason == "rate_limited" and err.chunk_index == 7
    assert isinstance(err.__cause__, httpx.HTTPStatusError)
    gemini = {
        "error": {
            "code": 429,
            "status": "RESOURCE_EXHAUSTED",
            "message": "quota",
            "details": [{"@type": "x.RetryInfo", "retryDelay": "57.25s"}],
        }
    }
    assert _raise(429, gemini).retry_after == 57.25  # type: ignore[attr-defined]
    for status in (500, 502, 503, 504):
        assert isinstance(_raise(status, {}), ProviderUnavailable)
    for status, reason in ((400, "bad_request"), (401, "auth"), (403, "auth"), (404, "not_found")):
        err = _raise(status, {"error": {"message": "nope"}})
        assert isinstance(err, ProviderRejected) and err.reason == reason and "nope" in err.message
    moderated = _raise(400, {"error": {"message": "x", "code": "data_inspection_failed"}})
    assert moderated.reason == "safety_block"  # type: ignore[attr-defined]


def test_retry_after_forms() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_a_call_past_the_last_known_tier_is_not_free() -> None:
    from analysis.schema import Usage
    from providers.pricing import cost_usd

    big = Usage(input_tokens=200_000, output_tokens=1_000)
    assert cost_usd("qwen", "qwen3-vl-plus", "intl", big) > 0
