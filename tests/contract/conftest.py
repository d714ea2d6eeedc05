"""Contract tests: one set of assertions per port, run against every adapter and database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.storage.database import SessionFactory, create_engine, session_factory
from tests.conftest import SQL_FIXTURES

MEMORY = "memory"


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
