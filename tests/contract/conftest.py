"""Contract tests: one set of assertions per port, run against every adapter and database.

The PostgreSQL fixtures are imported rather than registered with `pytest_plugins`: pytest
refuses `pytest_plugins` outside the top-level conftest when the whole suite is collected.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.database import SessionFactory, create_engine, session_factory
from tests.postgres_server import postgres_db_url, postgres_empty_url, postgres_url

__all__ = ["backend", "backend_sessions", "postgres_db_url", "postgres_empty_url", "postgres_url"]

MEMORY = "memory"
SQL_FIXTURES = {"sqlite": "sqlite_url", "postgresql": "postgres_db_url"}


@pytest.fixture(params=[MEMORY, "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str | None:
    """Where the adapter under test keeps its data: None in memory, else a migrated DB URL."""
    if request.param == MEMORY:
        return None
    url: str = request.getfixturevalue(SQL_FIXTURES[request.param])
    return url


@pytest.fixture
async def backend_sessions(backend: str | None) -> AsyncIterator[SessionFactory | None]:
    """Sessions on the backend's database; None for the in-memory adapters."""
    if backend is None:
        yield None
        return
    engine = create_engine(backend)
    yield session_factory(engine)
    await engine.dispose()
