"""PersonalData on SQLAlchemy: a contact's rows across the tables, exported or deleted in one
transaction with its audit entry, and the retention purge of idle conversations. Children
are deleted explicitly, so nothing depends on the database enforcing ON DELETE CASCADE."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.messages import Channel, split_media
from bot.privacy import (
    ErasedHandoff,
    ErasedRecords,
    StoredContact,
    StoredConversation,
    StoredHandoff,
    StoredMessage,
    StoredNote,
    Subject,
)
from bot.storage import audit
from bot.storage.database import SessionFactory
from bot.storage.models import (
    AnswerFlagRecord,
    ChannelIdentity,
    Contact,
    Conversation,
    HandoffEventRecord,
    HandoffRecord,
    MediaFileRecord,
    Message,
    MissResolutionRecord,
    NoteRecord,
    as_utc,
)

OPEN_HANDOFFS = ("queued", "agent")
PURGE_BATCH = 500  # conversations per transaction, so a first purge does not lock for long
RETENTION_ACTOR = "retention"


class SqlPersonalData:
    """A contact's personal data in the database."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def export(self, subject: Subject, actor: str) -> tuple[StoredContact, ...]:
        """Every contact the subject names, with their conversations (audited)."""
        async with self._sessions.begin() as session:
            contacts = []
            for contact_id in sorted(await _contact_ids(session, subject)):
                contacts.append(await _stored_contact(session, contact_id))
            details = _counts(len(contacts), sum(len(c.conversations) for c in contacts), subject)
            audit.record(session, actor, "privacy.exported", _target(subject), details)
            return tuple(contacts)

    async def customer_numbers(self, subject: Subject) -> tuple[str, ...]:
        """Customer numbers the subject's handoffs name (verified at the time)."""
        async with self._sessions() as session:
            contact_ids = await _contact_ids(session, subject)
            numbers = await session.scalars(
                select(HandoffRecord.customer_number)
                .join(Conversation, Conversation.id == HandoffRecord.conversation_id)
                .where(
                    Conversation.contact_id.in_(contact_ids), HandoffRecord.customer_number != ""
                )
                .distinct()
            )
            return tuple(sorted(numbers))

    async def erase(self, subject: Subject, actor: str) -> ErasedRecords:
        """Delete the subject's contacts with all their conversations (audited)."""
        async with self._sessions.begin() as session:
            contact_ids = await _contact_ids(session, subject)
            user_ids = (
                await session.execute(
                    select(ChannelIdentity.channel, ChannelIdentity.external_id).where(
                        ChannelIdentity.contact_id.in_(contact_ids)
                    )
                )
            ).all()
            conversation_ids = list(
                await session.scalars(
                    select(Conversation.id).where(Conversation.contact_id.in_(contact_ids))
                )
            )
            erased = await _delete_conversations(session, conversation_ids)
            await session.execute(
                delete(ChannelIdentity).where(ChannelIdentity.contact_id.in_(contact_ids))
            )
            await session.execute(delete(Contact).where(Contact.id.in_(contact_ids)))
            records = ErasedRecords(
                contacts=len(contact_ids),
                user_ids=tuple((channel, user) for channel, user in user_ids),
                **erased,
            )
            details = _counts(records.contacts, records.conversations, subject)
            details |= {"messages": records.messages, "handoffs": len(records.handoffs)}
            audit.record(session, actor, "privacy.erased", _target(subject), details)
            return records

    async def purge(self, before: datetime) -> ErasedRecords:
        """Delete the conversations without activity since `before` (none a person still
        has), and the contacts left without any; audited when something went."""
        total: dict[str, Any] = {"conversations": 0, "messages": 0, "media_files": 0}
        chats: list[tuple[str, str]] = []
        contacts = 0
        while True:
            async with self._sessions.begin() as session:
                batch = list(await session.scalars(_idle(before).limit(PURGE_BATCH)))
                if not batch:
                    break
                owners = set(
                    await session.scalars(
                        select(Conversation.contact_id).where(Conversation.id.in_(batch))
                    )
                )
                erased = await _delete_conversations(session, batch)
                contacts += await _delete_lonely_contacts(session, owners)
                for key in total:
                    total[key] += erased[key]
                chats += erased["chats"]
                audit.record(
                    session,
                    RETENTION_ACTOR,
                    "privacy.purged",
                    "privacy:retention",
                    {"conversations": erased["conversations"], "before": before.date().isoformat()},
                )
        return ErasedRecords(contacts=contacts, chats=tuple(chats), **total)


def _idle(before: datetime) -> Any:
    """Conversations whose last customer message and last recorded message are older than
    `before`, with no handoff still queued or with a person."""
    newer = exists().where(Message.conversation_id == Conversation.id, Message.created_at >= before)
    open_handoff = exists().where(
        HandoffRecord.conversation_id == Conversation.id, HandoffRecord.state.in_(OPEN_HANDOFFS)
    )
    return (
        select(Conversation.id)
        .where(Conversation.last_message_at < before, ~newer, ~open_handoff)
        .order_by(Conversation.id)
    )


async def _contact_ids(session: AsyncSession, subject: Subject) -> set[int]:
    """The contacts a subject names: of the chat (its conversations, the identity of the
    same id), or of the phone number (WhatsApp identity, a shared phone number)."""
    if not subject.phone:
        in_chat = await session.scalars(
            select(Conversation.contact_id).where(
                Conversation.channel == subject.channel, Conversation.chat_id == subject.chat_id
            )
        )
        known = await session.scalars(
            select(ChannelIdentity.contact_id).where(
                ChannelIdentity.channel == subject.channel,
                ChannelIdentity.external_id == subject.chat_id,
            )
        )
        return set(in_chat) | set(known)
    on_whatsapp = await session.scalars(
        select(ChannelIdentity.contact_id).where(
            ChannelIdentity.channel == Channel.WHATSAPP.value,
            ChannelIdentity.external_id == subject.phone,
        )
    )
    shared = await session.execute(
        select(Conversation.contact_id, Message.text)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Message.direction == "in", Message.kind == "contact")
    )
    return set(on_whatsapp) | {
        contact for contact, number in shared if _digits(number) == subject.phone
    }


async def _stored_contact(session: AsyncSession, contact_id: int) -> StoredContact:
    contact = await session.get_one(Contact, contact_id)
    identities = await session.execute(
        select(ChannelIdentity.channel, ChannelIdentity.external_id)
        .where(ChannelIdentity.contact_id == contact_id)
        .order_by(ChannelIdentity.id)
    )
    conversations = await session.scalars(
        select(Conversation).where(Conversation.contact_id == contact_id).order_by(Conversation.id)
    )
    return StoredContact(
        display_name=contact.display_name,
        language=contact.language,
        blocked_bot=contact.blocked_bot,
        created_at=as_utc(contact.created_at),
        identities=tuple((channel, external) for channel, external in identities),
        conversations=tuple([await _stored_conversation(session, c) for c in conversations]),
    )


async def _stored_conversation(session: AsyncSession, row: Conversation) -> StoredConversation:
    messages = await session.scalars(
        select(Message).where(Message.conversation_id == row.id).order_by(Message.id)
    )
    handoffs = await session.scalars(
        select(HandoffRecord)
        .where(HandoffRecord.conversation_id == row.id)
        .order_by(HandoffRecord.id)
    )
    notes = await session.scalars(
        select(NoteRecord).where(NoteRecord.conversation_id == row.id).order_by(NoteRecord.id)
    )
    return StoredConversation(
        channel=row.channel,
        chat_id=row.chat_id,
        started_at=as_utc(row.started_at),
        last_message_at=as_utc(row.last_message_at),
        messages=tuple(
            StoredMessage(as_utc(m.created_at), m.direction, m.kind, m.text, m.media)
            for m in messages
        ),
        handoffs=tuple(
            StoredHandoff(
                as_utc(h.requested_at), h.state, h.reason, h.order_id, h.customer_number, h.rating
            )
            for h in handoffs
        ),
        notes=tuple(StoredNote(as_utc(n.created_at), n.author, n.text) for n in notes),
    )


async def _delete_conversations(session: AsyncSession, ids: Sequence[int]) -> dict[str, Any]:
    """Delete conversations with their messages, files, notes and handoffs; what went."""
    chats = (
        await session.execute(
            select(Conversation.channel, Conversation.chat_id).where(Conversation.id.in_(ids))
        )
    ).all()
    handoffs = (
        await session.execute(
            select(
                HandoffRecord.id,
                HandoffRecord.crm_ref,
                HandoffRecord.state,
                HandoffRecord.requested_at,
            ).where(HandoffRecord.conversation_id.in_(ids))
        )
    ).all()
    media = (
        await session.execute(
            select(Conversation.channel, Message.media)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Conversation.id.in_(ids), Message.media != "")
        )
    ).all()
    files = await _delete_media(session, [(channel, ref) for channel, ref in media])
    message_ids = select(Message.id).where(Message.conversation_id.in_(ids))
    messages = int(
        await session.scalar(select(func.count()).where(Message.conversation_id.in_(ids))) or 0
    )
    handoff_ids = [handoff_id for handoff_id, _ref, _state, _at in handoffs]
    for statement in (
        delete(AnswerFlagRecord).where(AnswerFlagRecord.message_id.in_(message_ids)),
        delete(MissResolutionRecord).where(MissResolutionRecord.message_id.in_(message_ids)),
        delete(Message).where(Message.conversation_id.in_(ids)),
        delete(NoteRecord).where(NoteRecord.conversation_id.in_(ids)),
        delete(HandoffEventRecord).where(HandoffEventRecord.handoff_id.in_(handoff_ids)),
        delete(HandoffRecord).where(HandoffRecord.id.in_(handoff_ids)),
        delete(Conversation).where(Conversation.id.in_(ids)),
    ):
        await session.execute(statement)
    return {
        "conversations": len(chats),
        "messages": messages,
        "media_files": files,
        "chats": tuple(sorted({(channel, chat) for channel, chat in chats})),
        "handoffs": tuple(
            ErasedHandoff(handoff_id, crm_ref, state in OPEN_HANDOFFS, as_utc(requested))
            for handoff_id, crm_ref, state, requested in handoffs
        ),
    }


async def _delete_media(session: AsyncSession, media: Collection[tuple[str, str]]) -> int:
    """Delete the kept files the messages refer to ("photo:<reference>")."""
    deleted = 0
    for channel, payload in media:
        parsed = split_media(payload)
        if parsed is None:
            continue
        gone = await session.execute(
            delete(MediaFileRecord)
            .where(and_(MediaFileRecord.channel == channel, MediaFileRecord.reference == parsed[1]))
            .returning(MediaFileRecord.id)
        )
        deleted += len(gone.all())
    return deleted


async def _delete_lonely_contacts(session: AsyncSession, contact_ids: Collection[int]) -> int:
    """Delete those of the contacts that have no conversation left."""
    still = set(
        await session.scalars(
            select(Conversation.contact_id).where(Conversation.contact_id.in_(contact_ids))
        )
    )
    lonely = set(contact_ids) - still
    await session.execute(delete(ChannelIdentity).where(ChannelIdentity.contact_id.in_(lonely)))
    await session.execute(delete(Contact).where(Contact.id.in_(lonely)))
    return len(lonely)


def _digits(text: str) -> str:
    return "".join(char for char in text if char.isdigit()).removeprefix("00")


def _target(subject: Subject) -> str:
    """The audit entry's target: how the contact was named, never the name itself."""
    return f"privacy:{subject.by}"


def _counts(contacts: int, conversations: int, subject: Subject) -> dict[str, Any]:
    return {
        "channel": subject.channel or "any",
        "contacts": contacts,
        "conversations": conversations,
    }
