"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, the app, clients.

Every test that takes ``database_url`` runs twice, once on a fresh SQLite file and
once on the running PostgreSQL server (a database per xdist worker, emptied before
each test). Both are migrated with Alembic, never with ``create_all``.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
import pytest_asyncio
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.migrate import upgrade
from orchestrator.db.models import Base
from orchestrator.settings import Settings

PG_ADMIN_DSN = os.environ.get("FERNBLICK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_dsn(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{database}"


def pg_async_url(database: str) -> str:
    return _pg_dsn(database).replace("postgresql://", "postgresql+asyncpg://", 1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def worker_name(request: pytest.FixtureRequest) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test copies it (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    upgrade(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database(worker_name: str) -> Iterator[str]:
    """A migrated PostgreSQL database for this worker, dropped at the end."""
    import asyncio

    name = f"fernblick_test_{worker_name}"

    async def recreate() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    async def drop() -> None:
        conn = await asyncpg.connect(PG_ADMIN_DSN)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    asyncio.run(recreate())
    upgrade(pg_async_url(name))
    yield name
    asyncio.run(drop())


async def _truncate_all(database: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    conn = await asyncpg.connect(_pg_dsn(database))
    try:
        await conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    finally:
        await conn.close()


@pytest_asyncio.fixture(params=["sqlite", "postgresql"])
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[str]:
    """A fresh, migrated, empty database of each kind."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "fernblick.sqlite3"
        shutil.copy(template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        database: str = request.getfixturevalue("pg_database")
        await _truncate_all(database)
        yield pg_async_url(database)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        storage_dir=tmp_path / "storage",
        public_url="http://127.0.0.1:8080",
        outbox_poll_seconds=0.05,
    )


@pytest_asyncio.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)
