"""`servicebot privacy purge` on a real database and Redis: it deletes what is older than the
retention period and says how much."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from typer.testing import CliRunner

from bot.cli import app
from bot.conversations import Understanding
from bot.messages import Channel, InboundKind, InboundMessage
from bot.settings import Settings
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import create_engine, session_factory
from bot.storage.models import Conversation, Message


async def seed(settings: Settings, long_ago: datetime) -> None:
    """A conversation idle since `long_ago` and one of now."""
    engine = create_engine(settings.effective_database_url)
    sessions = session_factory(engine)
    store = SqlConversationStore(sessions)
    for user, when in (("old", long_ago), ("new", datetime.now(UTC))):
        inbound = InboundMessage(
            Channel.TELEGRAM,
            f"{user}-1",
            user,
            user,
            InboundKind.TEXT,
            "Hallo",
            received_at=when.timestamp(),
        )
        await store.record_inbound(await store.open(inbound), inbound, Understanding())
    async with sessions.begin() as session:
        await session.execute(
            update(Message).where(Message.channel_message_id == "old-1").values(created_at=long_ago)
        )
    await engine.dispose()


async def chats(settings: Settings) -> list[str]:
    engine = create_engine(settings.effective_database_url)
    async with session_factory(engine)() as session:
        found = list(await session.scalars(select(Conversation.chat_id)))
    await engine.dispose()
    return found


def test_purge_deletes_conversations_older_than_the_days_given(settings: Settings) -> None:
    asyncio.run(seed(settings, datetime.now(UTC) - timedelta(days=40)))
    environment = {
        "SERVICEBOT_DATABASE_URL": settings.effective_database_url,
        "SERVICEBOT_REDIS_URL": settings.redis_url,
        "SERVICEBOT_DATA_DIR": str(settings.data_dir),
    }

    result = CliRunner().invoke(app, ["privacy", "purge", "--days", "30"], env=environment)

    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())  # however the console wrapped it
    assert "Deleted 1 conversations (1 messages, 1 contacts)" in said
    assert "(30 days)" in said
    assert asyncio.run(chats(settings)) == ["new"]
