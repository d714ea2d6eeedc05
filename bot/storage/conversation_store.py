"""ConversationStore on SQLAlchemy."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.conversations import (
    ConversationState,
    Delivered,
    Understanding,
    advances,
    transcript_words,
)
from bot.messages import Channel, InboundKind, InboundMessage, Reply
from bot.storage.database import SessionFactory
from bot.storage.models import ChannelIdentity, Contact, Conversation, Message, as_utc, utcnow


class SqlConversationStore:
    """Contacts, conversations and the transcript in the database."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def open(self, message: InboundMessage) -> ConversationState:
        """The open conversation for this message's chat, creating contact and conversation."""
        try:
            return await self._open(message)
        except IntegrityError:
            # Another worker created the contact at the same moment: read theirs.
            return await self._open(message)

    async def _open(self, message: InboundMessage) -> ConversationState:
        async with self._sessions.begin() as session:
            contact, is_new = await self._contact(session, message)
            contact.blocked_bot = False  # whoever writes to us has unblocked us
            conversation = await session.scalar(
                select(Conversation)
                .where(
                    Conversation.channel == message.channel.value,
                    Conversation.chat_id == message.chat_id,
                    Conversation.status == "open",
                )
                .order_by(Conversation.id.desc())
                .limit(1)
            )
            if conversation is None:
                conversation = Conversation(
                    contact_id=contact.id, channel=message.channel.value, chat_id=message.chat_id
                )
                session.add(conversation)
            if message.kind is not InboundKind.REACTION:
                # When the customer wrote, by the channel's clock (it opens WhatsApp's reply
                # window); a late redelivery of an older message does not move it back.
                wrote = _written_at(message)
                last = conversation.last_message_at
                if last is None or as_utc(last) < wrote:
                    conversation.last_message_at = wrote
            await session.flush()
            return ConversationState(
                conversation_id=conversation.id,
                contact_id=contact.id,
                language=contact.language,
                mode=conversation.mode,
                is_new_contact=is_new or not await self._has_replied(session, contact),
            )

    async def _has_replied(self, session: AsyncSession, contact: Contact) -> bool:
        """Some reply of ours reached this contact, in any of their conversations."""
        replied = await session.scalar(
            select(Message.id)
            .join(Conversation, Conversation.id == Message.conversation_id)
            .where(Conversation.contact_id == contact.id, Message.direction == "out")
            .limit(1)
        )
        return replied is not None

    async def _known_contact(
        self, session: AsyncSession, message: InboundMessage
    ) -> Contact | None:
        """The contact behind the sender's channel identity, if we know them."""
        identity = await session.scalar(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == message.channel.value,
                ChannelIdentity.external_id == message.user_id,
            )
        )
        return await session.get_one(Contact, identity.contact_id) if identity else None

    async def _contact(
        self, session: AsyncSession, message: InboundMessage
    ) -> tuple[Contact, bool]:
        known = await self._known_contact(session, message)
        if known is not None:
            return known, False
        contact = Contact(display_name=message.display_name)
        session.add(contact)
        await session.flush()
        session.add(
            ChannelIdentity(
                contact_id=contact.id, channel=message.channel.value, external_id=message.user_id
            )
        )
        return contact, True

    async def record_inbound(
        self, state: ConversationState, message: InboundMessage, understanding: Understanding
    ) -> None:
        """Add the customer's message to the transcript (idempotent per message id)."""
        words, media = transcript_words(message)
        await self._add_once(
            Message(
                conversation_id=state.conversation_id,
                direction="in",
                channel_message_id=message.message_id,
                kind=message.kind.value,
                text=words,
                intent=understanding.intent,
                confidence=understanding.confidence,
                action=understanding.action,
                media=media,
            )
        )

    async def record_outbound(
        self, state: ConversationState, reply: Reply, channel_message_id: str
    ) -> None:
        """Add a reply the channel accepted to the transcript (once, however often asked)."""
        await self._add_once(
            Message(
                conversation_id=state.conversation_id,
                direction="out",
                channel_message_id=channel_message_id,
                kind="text",
                text=reply.text,
            )
        )

    async def _add_once(self, line: Message) -> None:
        """Insert a transcript line unless its channel message id is already recorded in that
        direction: a message redelivered after a crash, or a reply recorded before one."""
        try:
            async with self._sessions.begin() as session:
                session.add(line)
        except IntegrityError:
            return  # the unique constraint (conversation, direction, channel message id)

    async def record_delivery(
        self, channel: Channel, chat_id: str, channel_message_id: str, status: str, error: str
    ) -> Delivered | None:
        """Move the message's status forward (never back)."""
        async with self._sessions.begin() as session:
            row = (
                await session.execute(
                    select(Message, Contact.language)
                    .join(Conversation, Conversation.id == Message.conversation_id)
                    .join(Contact, Contact.id == Conversation.contact_id)
                    .where(
                        Conversation.channel == channel.value,
                        Conversation.chat_id == chat_id,
                        Message.direction == "out",
                        Message.channel_message_id == channel_message_id,
                    )
                    .with_for_update()
                )
            ).first()
            if row is None or not advances(row[0].status, status):
                return None
            message, language = row
            message.status, message.error = status, error[:300]
            return Delivered(message.conversation_id, message.text, language or "de")

    async def remember_language(self, state: ConversationState, language: str) -> None:
        """Store the contact's language for the next conversation."""
        async with self._sessions.begin() as session:
            contact = await session.get_one(Contact, state.contact_id)
            contact.language = language

    async def mark_blocked(self, message: InboundMessage) -> None:
        """The customer blocked the bot on this channel; stop writing to them."""
        async with self._sessions.begin() as session:
            contact = await self._known_contact(session, message)
            if contact is not None:
                contact.blocked_bot = True


def _written_at(message: InboundMessage) -> datetime:
    return datetime.fromtimestamp(message.received_at, UTC) if message.received_at else utcnow()
