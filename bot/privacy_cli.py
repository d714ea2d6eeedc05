"""`servicebot privacy purge`: delete what is older than the retention period now (the
worker does the same every hour)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from bot import redis_factory
from bot.keys import Keys
from bot.logging import configure_logging
from bot.retention import Purged, RetentionJob
from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from bot.storage.privacy_store import SqlPersonalData

privacy_app = typer.Typer(help="Data protection: retention.", no_args_is_help=True)
console = Console()


async def purge(settings: Settings, days: int) -> Purged:
    """One retention run against the configured database and Redis."""
    redis_url, embedded = redis_factory.ensure_redis_url(settings)
    redis = redis_factory.connect(redis_url)
    db = create_engine(settings.effective_database_url)
    try:
        job = RetentionJob(SqlPersonalData(session_factory(db)), redis, Keys(), days)
        return await job.purge_once()
    finally:
        await redis.aclose()
        await db.dispose()
        if embedded is not None:
            embedded.stop()


@privacy_app.command("purge")
def purge_command(
    days: Annotated[
        int | None,
        typer.Option(min=1, help="Keep this many days (default: SERVICEBOT_RETENTION_DAYS)."),
    ] = None,
) -> None:
    """Delete conversations (with their messages) whose last activity is older than the
    retention period, contacts left without any, and old stream entries."""
    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    kept = days or settings.retention_days
    purged = asyncio.run(purge(settings, kept))
    console.print(
        f"Deleted {purged.conversations} conversations ({purged.messages} messages, "
        f"{purged.contacts} contacts) with no activity since {purged.before:%Y-%m-%d} "
        f"({kept} days), and {purged.stream_entries} older stream entries."
    )
