"""The Alembic migrations, on SQLite and PostgreSQL: they build exactly the models' schema."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Connection

from bot.storage.database import create_engine, session_factory
from bot.storage.migrate import alembic_config, upgrade_async
from bot.storage.models import Base, Contact

T = TypeVar("T")
MODEL_TABLES = frozenset(Base.metadata.tables)
VERSION_TABLE = "alembic_version"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a database no migration has touched yet."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    url: str = request.getfixturevalue("postgres_empty_url")
    return url


async def _with_connection(url: str, probe: Callable[[Connection], T]) -> T:
    """Run a synchronous inspection over a fresh async engine."""
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(probe)
    finally:
        await engine.dispose()


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _schema_diff(connection: Connection) -> list[Any]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def _head(url: str) -> str | None:
    return ScriptDirectory.from_config(alembic_config(url)).get_current_head()


async def _downgrade_to_base(url: str) -> None:
    # Alembic's env.py starts its own event loop, so it must run outside this one.
    await asyncio.to_thread(command.downgrade, alembic_config(url), "base")


async def _count_contacts(url: str) -> int:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(Contact)) or 0)
    finally:
        await engine.dispose()


async def _add_contact(url: str) -> None:
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            session.add(Contact(display_name="Müller GmbH"))
    finally:
        await engine.dispose()


async def test_upgrade_creates_every_model_table_at_head(empty_url: str) -> None:
    """upgrade builds all tables of Base.metadata and stamps the head revision."""
    await upgrade_async(empty_url)

    assert await _with_connection(empty_url, _table_names) == MODEL_TABLES | {VERSION_TABLE}
    assert await _with_connection(empty_url, _revision) == _head(empty_url)


async def test_second_upgrade_is_a_no_op(empty_url: str) -> None:
    """Upgrading a database already at head changes nothing and keeps its data."""
    await upgrade_async(empty_url)
    await _add_contact(empty_url)

    await upgrade_async(empty_url)

    assert await _count_contacts(empty_url) == 1
    assert await _with_connection(empty_url, _revision) == _head(empty_url)


async def test_downgrade_to_base_then_upgrade_again(empty_url: str) -> None:
    """Every migration can be undone, and the schema rebuilt afterwards."""
    await upgrade_async(empty_url)

    await _downgrade_to_base(empty_url)
    assert await _with_connection(empty_url, _table_names) == {VERSION_TABLE}
    assert await _with_connection(empty_url, _revision) is None

    await upgrade_async(empty_url)
    assert await _with_connection(empty_url, _table_names) == MODEL_TABLES | {VERSION_TABLE}


async def test_migrated_schema_matches_the_models(empty_url: str) -> None:
    """Autogenerate finds nothing to add: models and migrations agree (types included)."""
    await upgrade_async(empty_url)

    assert await _with_connection(empty_url, _schema_diff) == []
