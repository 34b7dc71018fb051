"""Leases and migrations on both stores: SQLite (embedded) and PostgreSQL (scale).

The PostgreSQL tests need the server on 127.0.0.1:5432 (`scripts/services.sh` starts it);
without it they fail, loudly, rather than skip.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, inspect, text, update
from sqlalchemy.orm import Session, sessionmaker

from longform.store import queries
from longform.store.db import make_engine, migrate, session_factory
from longform.store.models import ChunkRow, ChunkStatus, utcnow

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        built = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
        migrate(built)
        yield built
        built.dispose()
        return
    name = f"longform_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    built = make_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}")
    try:
        migrate(built)
        yield built
    finally:
        built.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


def _job_with_chunks(sessions: sessionmaker[Session], count: int) -> str:
    with sessions() as session:
        job = queries.create_job(
            session,
            tenant="t",
            filename="f.pdf",
            sha256="a" * 64,
            media_type="application/pdf",
            size_bytes=1,
            options={},
        )
        for idx in range(count):
            span = {"page_start": idx + 1, "page_end": idx + 1}
            session.add(ChunkRow(job_id=job.id, idx=idx, span=span, plan={}))
        session.commit()
        return job.id


def test_migrations_create_the_schema_and_are_idempotent(engine: Engine) -> None:
    migrate(engine)  # a second run changes nothing
    tables = set(inspect(engine).get_table_names())
    assert {"jobs", "assets", "chunks", "job_events", "alembic_version"} <= tables


def test_each_chunk_is_leased_to_one_worker(sessions: sessionmaker[Session]) -> None:
    job_id = _job_with_chunks(sessions, 3)
    with sessions() as a, sessions() as b:
        first = queries.claim_chunk(a, job_id, "worker-a", 60)
        second = queries.claim_chunk(b, job_id, "worker-b", 60)
        third = queries.claim_chunk(a, job_id, "worker-a", 60)
        assert first and second and third
        assert {first.idx, second.idx, third.idx} == {0, 1, 2}
        assert queries.claim_chunk(b, job_id, "worker-b", 60) is None
        # Only the lease holder may record the outcome.
        assert not queries.finish_chunk(b, first.id, "worker-b", ChunkStatus.DONE)
        b.rollback()
        assert queries.finish_chunk(a, first.id, "worker-a", ChunkStatus.DONE)
        a.commit()
        assert not queries.finish_chunk(a, first.id, "worker-a", ChunkStatus.DONE)
        counts = queries.chunk_counts(a, job_id)
        assert counts == {ChunkStatus.DONE: 1, ChunkStatus.LEASED: 2}


def test_lapsed_and_dead_leases_come_back(sessions: sessionmaker[Session]) -> None:
    job_id = _job_with_chunks(sessions, 2)
    with sessions() as session:
        lapsed = queries.claim_chunk(session, job_id, "gone-1", 60)
        held = queries.claim_chunk(session, job_id, "gone-2", 60)
        assert lapsed and held
        session.execute(
            update(ChunkRow)
            .where(ChunkRow.id == lapsed.id)
            .values(lease_expires_at=utcnow() - timedelta(seconds=1))
        )
        session.commit()
        again = queries.claim_chunk(session, job_id, "worker", 60)
        assert again is not None and again.id == lapsed.id and again.attempts == 2
        assert queries.claim_chunk(session, job_id, "worker", 60) is None
        assert queries.release_leases(session, ["gone-2"]) == 1
        revived = queries.claim_chunk(session, job_id, "worker", 60)
        assert revived is not None and revived.id == held.id


def test_renewal_keeps_a_lease_alive(sessions: sessionmaker[Session]) -> None:
    job_id = _job_with_chunks(sessions, 1)
    with sessions() as session:
        chunk = queries.claim_chunk(session, job_id, "worker", 0.5)
        assert chunk is not None
        assert queries.renew_lease(session, chunk.id, "worker", 60)
        assert not queries.renew_lease(session, chunk.id, "intruder", 60)
        time.sleep(0.6)
        assert queries.claim_chunk(session, job_id, "other", 60) is None


def test_migrations_match_the_models(engine: Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from longform.store.models import Base

    with engine.connect() as conn:
        drift = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert drift == [], f"models and migrations differ: {drift}"
