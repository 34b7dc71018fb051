"""Shared fixtures: clean environment, settings in a temp dir, one warm local provider."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from longform.config import Settings
from providers.base import Provider
from providers.local import LocalProvider


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No LONGFORM_* variable of the developer's shell may leak into a test."""
    for name in list(os.environ):
        if name.startswith("LONGFORM_"):
            monkeypatch.delenv(name)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def local_provider() -> Iterator[LocalProvider]:
    """One process pool for the whole session: loading spaCy and MiniLM takes seconds."""
    provider = LocalProvider(workers=1)
    yield provider
    asyncio.run(provider.aclose())


@pytest.fixture
def providers(local_provider: LocalProvider) -> dict[str, Provider]:
    return {local_provider.name: local_provider}


def changed(settings: Settings, **changes: object) -> Settings:
    """A validated copy (model_copy would skip validation, e.g. str → SecretStr)."""
    return Settings.model_validate({**settings.model_dump(), **changes})


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        local_workers=1,
        chunk_max_pages=4,
        chunk_overlap_pages=1,
        lease_seconds=30,
    )
