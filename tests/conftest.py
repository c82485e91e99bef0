"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, the app, clients.

Every test that takes ``database_url`` runs twice, once on a fresh SQLite file and
once on the running PostgreSQL server (a database per xdist worker, emptied before
each test). Both are migrated with Alembic, never with ``create_all``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orchestrator.actions.unit_of_work import UnitOfWork
from orchestrator.app import create_app
from orchestrator.db.engine import create_engine, create_session_factory
from orchestrator.db.migrate import upgrade
from orchestrator.db.models import Base
from orchestrator.settings import Settings
from tests.support.ports import forward_port_range
from tests.support.world import World, build_world

# Cheap password hashing for the test suite (hashes record their own cost).
os.environ.setdefault("FERNBLICK_ARGON2_TIME_COST", "1")
os.environ.setdefault("FERNBLICK_ARGON2_MEMORY_KIB", "1024")

pytest_plugins = ["tests.support.hang_report"]

PG_ADMIN_DSN = os.environ.get("FERNBLICK_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_dsn(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{database}"


def pg_async_url(database: str) -> str:
    return _pg_dsn(database).replace("postgresql://", "postgresql+asyncpg://", 1)


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

    name = f"fernblick_test_{worker_name}_{os.getpid()}"

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
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_database: str
) -> AsyncIterator[str]:
    """A fresh, migrated, empty database of each kind.

    Both templates are taken as arguments, not with ``getfixturevalue``: they run
    ``asyncio.run``, which must happen before this fixture's event loop is running.
    """
    if request.param == "sqlite":
        path = tmp_path / "fernblick.sqlite3"
        shutil.copy(sqlite_template, path)
        yield f"sqlite+aiosqlite:///{path}"
    else:
        await _truncate_all(pg_database)
        yield pg_async_url(pg_database)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    forward_ports = forward_port_range()
    return Settings(
        env="test",
        database_url=database_url,
        storage_dir=tmp_path / "storage",
        public_url="http://127.0.0.1:8080",
        outbox_poll_seconds=0.05,
        recorder_port_min=forward_ports[0],
        recorder_port_max=forward_ports[1],
    )


@pytest_asyncio.fixture
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
def uow(session_factory: async_sessionmaker[AsyncSession]) -> UnitOfWork:
    return UnitOfWork(session_factory)


@pytest_asyncio.fixture
async def world(uow: UnitOfWork) -> World:
    return await build_world(uow)


@pytest_asyncio.fixture
async def client(aiohttp_client: Any, settings: Settings, world: World) -> TestClient:
    """An API client of a running app, on a database holding ``world``."""
    return await aiohttp_client(create_app(settings))
