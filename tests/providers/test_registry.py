"""configured_providers builds only what has keys; check() sends one tiny request."""

from __future__ import annotations

import httpx
import pytest

from providers.registry import check, configured_providers
from tests.fakes.dashscope import FakeDashScope
from tests.providers.qwen_support import client, fake, offline_env

__all__ = ["client", "fake", "offline_env"]  # fixtures used by name

pytestmark = pytest.mark.anyio

NONE: dict[str, str | None] = {
    "qwen_api_key": None,
    "qwen_base_url": None,
    "qwen_region": None,
    "openai_compat_base_url": None,
    "openai_compat_api_key": None,
    "openai_compat_model": None,
    "gemini_api_key": None,
    "gemini_base_url": None,
}


async def test_only_configured_providers_and_check(
    fake: FakeDashScope, client: httpx.AsyncClient
) -> None:
    assert configured_providers(**NONE, http_client=client) == {}
    found = configured_providers(
        **{**NONE, "qwen_api_key": fake.api_key, "qwen_base_url": fake.base_url},
        http_client=client,
    )
    assert list(found) == ["qwen"]
    assert (await check(found["qwen"])).startswith("ok: qwen-flash")
    bad = configured_providers(
        **{**NONE, "qwen_api_key": "sk-wrong", "qwen_base_url": fake.base_url}, http_client=client
    )
    assert (await check(bad["qwen"])).startswith("failed (auth)")
