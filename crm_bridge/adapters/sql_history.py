"""ConversationHistory on SQLAlchemy: the conversations, contacts and messages tables."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.storage.database import SessionFactory
from bot.storage.models import Contact, Conversation, Message, NoteRecord, as_utc
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
                as_utc(conversation.last_message_at),
            )

    async def transcript(self, conversation_id: int) -> list[TranscriptEntry]:
        """Messages and notes, oldest first."""
        async with self._sessions() as session:
            messages = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
            entries = [
                TranscriptEntry(
                    row.direction,
                    row.kind,
                    row.text,
                    row.intent,
                    row.confidence,
                    as_utc(row.created_at),
                    row.media,
                    row.id,
                    row.status,
                    row.error,
                )
                for row in messages
            ]
            notes = await session.scalars(
                select(NoteRecord)
                .where(NoteRecord.conversation_id == conversation_id)
                .order_by(NoteRecord.id)
            )
            entries += [
                TranscriptEntry(
                    "note", "note", f"{n.author}: {n.text}", None, None, as_utc(n.created_at)
                )
                for n in notes
            ]
        return sorted(entries, key=lambda entry: entry.at)  # stable: messages keep their order

    async def add_note(self, conversation_id: int, author: str, text: str) -> None:
        """Stored apart from the messages, so nothing can ever send it."""
        async with self._sessions.begin() as session:
            session.add(NoteRecord(conversation_id=conversation_id, author=author, text=text))

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

    async def media_of(self, conversation_id: int, entry_id: int) -> str | None:
        """The message's media reference (None: no such message here, or no media)."""
        async with self._sessions() as session:
            media = await session.scalar(
                select(Message.media).where(
                    Message.id == entry_id, Message.conversation_id == conversation_id
                )
            )
        return media or None
