"""Fixtures of the service tests that talk to cloud providers: loopback fakes only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from longform.config import Settings
from longform.services import build_providers
from providers.base import Provider
from tests.conftest import changed
from tests.fakes import dashscope
from tests.fakes.gemini import FakeGemini


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Clients refuse any non-loopback URL, and retries do not sleep (configuration knobs
    the clients read, not patches of our code)."""
    monkeypatch.setenv("LONGFORM_LOOPBACK_ONLY", "1")
    monkeypatch.setenv("LONGFORM_RETRY_FAST", "1")


@pytest.fixture
def qwen_fake() -> Iterator[dashscope.FakeDashScope]:
    with dashscope.running() as fake:
        yield fake


@pytest.fixture
def gemini_fake() -> Iterator[FakeGemini]:
    with FakeGemini(inline_limit=32 * 1024 * 1024) as fake:  # above the client's 20 MiB budget
        yield fake


@pytest.fixture
async def cloud(
    settings: Settings,
    local_provider: Provider,
    qwen_fake: dashscope.FakeDashScope,
    gemini_fake: FakeGemini,
    loopback_only: None,
) -> AsyncIterator[tuple[Settings, dict[str, Provider]]]:
    configured = changed(
        settings,
        qwen_api_key=dashscope.API_KEY,
        qwen_base_url=qwen_fake.base_url,
        gemini_api_key=gemini_fake.api_key,
        gemini_base_url=gemini_fake.base_url,
        chunk_seconds=8.0,
        chunk_overlap_s=2.0,
    )
    built = build_providers(configured)
    await built["local"].aclose()  # the session's warm local provider stands in for it
    providers = {**built, "local": local_provider}
    yield configured, providers
    for name in ("qwen", "gemini"):
        await providers[name].aclose()
