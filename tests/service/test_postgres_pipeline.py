"""A whole job on PostgreSQL: same code, other settings."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from longform.config import Settings
from providers.base import Provider
from tests.conftest import changed
from tests.service.helpers import api_client, upload, wait_for
from tests.service.sample import make_sample_pdf

PG = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture
def pg_url() -> Iterator[str]:
    name = f"longform_job_{uuid.uuid4().hex[:10]}"
    admin = create_engine(f"{PG}/test", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.anyio
async def test_job_runs_on_postgresql(
    tmp_path: Path, settings: Settings, providers: dict[str, Provider], pg_url: str
) -> None:
    on_pg = changed(settings, database_url=pg_url)
    pdf = make_sample_pdf(tmp_path / "contract.pdf").read_bytes()
    async with api_client(on_pg, providers) as (client, services):
        assert services.engine.dialect.name == "postgresql"
        job_id = (await upload(client, pdf)).json()["id"]
        job = await wait_for(client, job_id)
        assert job["status"] == "succeeded"
        report = (await client.get(f"/v1/jobs/{job_id}/report")).json()
        assert report["coverage"]["analyzed"] == [{"page_start": 1, "page_end": 6}]
    assert not (tmp_path / "data" / "longform.db").exists()
