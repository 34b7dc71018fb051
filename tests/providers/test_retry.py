"""The one retry layer: what is retried, how long it waits, when it gives up."""

from __future__ import annotations

import pytest

from providers.errors import ProviderRejected, ProviderUnavailable
from providers.retry import FAST_ENV, backoff_delay, with_retries

pytestmark = pytest.mark.anyio


def _busy(retry_after: float | None = None) -> ProviderUnavailable:
    return ProviderUnavailable("busy", provider="p", reason="rate_limited", retry_after=retry_after)


def test_delay_honours_retry_after_capped_by_the_budget() -> None:
    assert backoff_delay(_busy(3.0), 1, remaining_s=60.0) == 3.0
    assert backoff_delay(_busy(3.0), 1, remaining_s=1.5) == 1.5
    for attempt in (1, 2, 3):
        assert (
            0.0
            <= backoff_delay(_busy(), attempt, 60.0, base_delay_s=0.5)
            <= 0.5 * 2 ** (attempt - 1)
        )
    assert backoff_delay(_busy(), 10, 60.0, max_delay_s=2.0) <= 2.0


def test_fast_mode_caps_every_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_ENV, "1")
    assert backoff_delay(_busy(30.0), 1, 60.0) <= 0.01


async def test_retries_only_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(FAST_ENV, "1")
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise _busy(0.0)
        return "ok"

    assert await with_retries(flaky, provider="p") == "ok" and len(calls) == 3

    async def refused() -> str:
        calls.append(1)
        raise ProviderRejected("no", provider="p", reason="bad_request")

    calls.clear()
    with pytest.raises(ProviderRejected):
        await with_retries(refused, provider="p")
    assert len(calls) == 1


async def test_a_hint_longer_than_the_budget_gives_up_at_once() -> None:
    calls: list[int] = []

    async def limited() -> str:
        calls.append(1)
        raise _busy(60.0)

    with pytest.raises(ProviderUnavailable):
        await with_retries(limited, provider="p", total_timeout_s=5.0)
    assert len(calls) == 1


async def test_total_time_is_bounded() -> None:
    import asyncio

    async def slow() -> str:
        await asyncio.sleep(5)
        return "late"

    with pytest.raises(ProviderUnavailable) as caught:
        await with_retries(slow, provider="p", total_timeout_s=0.05)
    assert caught.value.reason == "timeout"


async def test_zero_base_delay_needs_no_env() -> None:
    calls: list[int] = []

    async def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise _busy()
        return "ok"

    assert await with_retries(flaky, provider="p", base_delay_s=0.0) == "ok"
