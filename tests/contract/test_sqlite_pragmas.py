"""SQLite as web and workers share it: WAL (readers never wait for the writer), foreign keys,
a patient busy timeout, and no fsync per commit (see bot/storage/database.py)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.storage.database import create_engine


async def test_every_connection_gets_the_shared_file_pragmas(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'bot.db'}")
    try:
        async with engine.connect() as connection:
            pragmas = {
                name: (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        await engine.dispose()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 30000,
    }
