"""ConversationHistory on SQLAlchemy: the conversations, contacts and messages tables."""

from __future__ import annotations

from datetime import UTC

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.database import SessionFactory
from bot.storage.models import Contact, Conversation, Message
from crm_bridge.context_packet import ConversationInfo, TranscriptEntry


class SqlConversationHistory:
    """Conversations as the bot recorded them."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def conversation(self, conversation_id: int) -> ConversationInfo | None:
        """Channel, chat and contact."""
        async with self._sessions() as session:
            row = (
                await session.execute(
                    select(Conversation, Contact)
                    .join(Contact, Contact.id == Conversation.contact_id)
                    .where(Conversation.id == conversation_id)
                )
            ).first()
            if row is None:
                return None
            conversation, contact = row
            return ConversationInfo(
                conversation.id,
                conversation.channel,
                conversation.chat_id,
                contact.display_name,
                contact.language or "de",
            )

    async def transcript(self, conversation_id: int) -> list[TranscriptEntry]:
        """Oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
            return [
                TranscriptEntry(
                    row.direction,
                    row.kind,
                    row.text,
                    row.intent,
                    row.confidence,
                    row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=UTC),
                )
                for row in rows
            ]

    async def record_agent_reply(
        self, conversation_id: int, text: str, channel_message_id: str
    ) -> None:
        """Kept in the transcript like the bot's replies, marked as the agent's."""
        try:
            async with self._sessions.begin() as session:
                session.add(
                    Message(
                        conversation_id=conversation_id,
                        direction="out",
                        channel_message_id=channel_message_id,
                        kind="agent",
                        text=text,
                    )
                )
        except IntegrityError:
            return  # recorded already (the same channel message id)
