"""ConversationStore contract: the memory and SQL adapters (SQLite, PostgreSQL) behave alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pytest
from sqlalchemy import select

from bot.conversations import ConversationStore, Understanding
from bot.memory_conversations import MemoryConversationStore
from bot.messages import Channel, InboundKind, InboundMessage, Reply
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory
from bot.storage.models import Contact, Message

Line = tuple[str, str, str]  # direction, channel message id, text


class Recorded(Protocol):
    """What an adapter stored; the port itself has no read methods for it."""

    async def transcript(self, conversation_id: int) -> list[Line]:
        """The conversation's messages in the order they were recorded."""
        ...

    async def is_blocked(self, contact_id: int) -> bool:
        """Whether the contact blocked the bot."""
        ...


@dataclass(frozen=True)
class MemoryRecorded:
    """Reads MemoryConversationStore's fields."""

    store: MemoryConversationStore

    async def transcript(self, conversation_id: int) -> list[Line]:
        """The conversation's messages in the order they were recorded."""
        return [
            (line.direction, line.message_id, line.text)
            for line in self.store.transcript
            if line.conversation_id == conversation_id
        ]

    async def is_blocked(self, contact_id: int) -> bool:
        """Whether the contact blocked the bot."""
        return contact_id in self.store.blocked


@dataclass(frozen=True)
class SqlRecorded:
    """Reads the messages and contacts tables."""

    sessions: SessionFactory

    async def transcript(self, conversation_id: int) -> list[Line]:
        """The conversation's messages in the order they were recorded."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
            return [(row.direction, row.channel_message_id, row.text) for row in rows]

    async def is_blocked(self, contact_id: int) -> bool:
        """Whether the contact blocked the bot."""
        async with self.sessions() as session:
            return (await session.get_one(Contact, contact_id)).blocked_bot


@dataclass(frozen=True)
class Subject:
    """An adapter and a way to look at what it stored."""

    store: ConversationStore
    recorded: Recorded


@pytest.fixture
def subject(backend_sessions: SessionFactory | None) -> Subject:
    """The adapter under test, on an empty store."""
    if backend_sessions is None:
        memory = MemoryConversationStore()
        return Subject(memory, MemoryRecorded(memory))
    return Subject(SqlConversationStore(backend_sessions), SqlRecorded(backend_sessions))


def message(
    message_id: str = "1001",
    *,
    user: str = "4711",
    chat: str = "4711",
    channel: Channel = Channel.TELEGRAM,
    kind: InboundKind = InboundKind.TEXT,
    text: str = "Wo bleibt meine Lieferung?",
    payload: str = "",
) -> InboundMessage:
    """A customer message; by default a text from one Telegram user in their private chat."""
    return InboundMessage(channel, message_id, chat, user, kind, text, payload, display_name="Jörg")


async def test_first_open_creates_a_new_contact_then_reuses_it(subject: Subject) -> None:
    """The second message of a chat lands in the same conversation, as a known contact."""
    first = await subject.store.open(message("1001"))
    await subject.store.record_outbound(first, Reply("Hallo!"), "5001")
    second = await subject.store.open(message("1002"))

    assert first.is_new_contact
    assert (first.language, first.mode) == (None, "bot")
    assert not second.is_new_contact
    assert (second.conversation_id, second.contact_id) == (first.conversation_id, first.contact_id)


async def test_the_first_contact_notice_is_owed_until_a_reply_reached_the_contact(
    subject: Subject,
) -> None:
    """A worker that crashed before its first answer went out: the contact exists, yet the
    next try must still greet them with the notice."""
    await subject.store.open(message("1001"))
    again = await subject.store.open(message("1001"))
    assert again.is_new_contact
    await subject.store.record_outbound(again, Reply("Hallo!"), "5001")
    other_chat = await subject.store.open(message("1002", chat="-100200"))
    assert not other_chat.is_new_contact  # the contact has heard from us, in another chat


async def test_different_chats_get_different_conversations(subject: Subject) -> None:
    """A conversation is per channel and chat; the contact is per channel and user."""
    private = await subject.store.open(message(chat="4711"))
    group = await subject.store.open(message(chat="-100200"))
    whatsapp = await subject.store.open(message(channel=Channel.WHATSAPP, chat="4711"))

    assert len({private.conversation_id, group.conversation_id, whatsapp.conversation_id}) == 3
    assert group.contact_id == private.contact_id
    assert whatsapp.is_new_contact


async def test_remembered_language_comes_back_with_open(subject: Subject) -> None:
    """The language is stored on the contact and returned by the next open."""
    state = await subject.store.open(message("1001"))

    await subject.store.remember_language(state, "de")

    assert (await subject.store.open(message("1002"))).language == "de"


async def test_record_inbound_twice_records_once(subject: Subject) -> None:
    """A redelivered message (same id) is not added to the transcript again."""
    inbound = message("1001")
    state = await subject.store.open(inbound)

    await subject.store.record_inbound(state, inbound, Understanding("faq_delivery", 0.93))
    await subject.store.record_inbound(state, inbound, Understanding("faq_delivery", 0.93))

    assert await subject.recorded.transcript(state.conversation_id) == [
        ("in", "1001", "Wo bleibt meine Lieferung?")
    ]


async def test_same_message_id_in_another_conversation_is_recorded(subject: Subject) -> None:
    """Deduplication is per conversation: another chat's message with that id is new."""
    telegram = message("77")
    whatsapp = message("77", channel=Channel.WHATSAPP, text="Hallo")
    telegram_state = await subject.store.open(telegram)
    whatsapp_state = await subject.store.open(whatsapp)

    await subject.store.record_inbound(telegram_state, telegram, Understanding())
    await subject.store.record_inbound(whatsapp_state, whatsapp, Understanding())

    assert await subject.recorded.transcript(whatsapp_state.conversation_id) == [
        ("in", "77", "Hallo")
    ]


async def test_button_press_is_recorded_with_its_payload(subject: Subject) -> None:
    """A button has no text: the transcript keeps its payload instead."""
    pressed = message("1003", kind=InboundKind.BUTTON, text="", payload="handoff:yes")
    state = await subject.store.open(pressed)

    await subject.store.record_inbound(state, pressed, Understanding())

    assert await subject.recorded.transcript(state.conversation_id) == [
        ("in", "1003", "handoff:yes")
    ]


async def test_record_outbound_adds_an_out_line(subject: Subject) -> None:
    """A delivered reply follows the customer's message, with the channel's message id."""
    inbound = message("1001")
    state = await subject.store.open(inbound)
    await subject.store.record_inbound(state, inbound, Understanding())

    await subject.store.record_outbound(state, Reply("Ihre Bestellung ist unterwegs 🚚"), "5001")

    assert await subject.recorded.transcript(state.conversation_id) == [
        ("in", "1001", "Wo bleibt meine Lieferung?"),
        ("out", "5001", "Ihre Bestellung ist unterwegs 🚚"),
    ]


async def test_record_outbound_twice_records_once(subject: Subject) -> None:
    """A retry that reaches the transcript again (after a crash) neither fails nor doubles."""
    inbound = message("1001")
    state = await subject.store.open(inbound)

    await subject.store.record_outbound(state, Reply("Gern geschehen!"), "5002")
    await subject.store.record_outbound(state, Reply("Gern geschehen!"), "5002")

    assert await subject.recorded.transcript(state.conversation_id) == [
        ("out", "5002", "Gern geschehen!")
    ]


async def test_mark_blocked_flags_only_that_contact(subject: Subject) -> None:
    """The customer who blocked the bot is flagged; others are not."""
    blocker = await subject.store.open(message(user="4711", chat="4711"))
    other = await subject.store.open(message(user="4712", chat="4712"))
    assert not await subject.recorded.is_blocked(blocker.contact_id)

    await subject.store.mark_blocked(message(user="4711", chat="4711", kind=InboundKind.BLOCKED))

    assert await subject.recorded.is_blocked(blocker.contact_id)
    assert not await subject.recorded.is_blocked(other.contact_id)


async def test_writing_again_clears_the_blocked_mark(subject: Subject) -> None:
    """A customer who writes to the bot has unblocked it."""
    blocker = await subject.store.open(message(user="4711", chat="4711"))
    await subject.store.mark_blocked(message(user="4711", chat="4711", kind=InboundKind.BLOCKED))
    await subject.store.open(message(user="4711", chat="4711"))
    assert not await subject.recorded.is_blocked(blocker.contact_id)


async def test_mark_blocked_for_an_unknown_user_creates_nothing(subject: Subject) -> None:
    """Blocking before ever writing is a no-op: the contact is still new afterwards."""
    await subject.store.mark_blocked(message(user="999", chat="999", kind=InboundKind.BLOCKED))

    assert (await subject.store.open(message(user="999", chat="999"))).is_new_contact


async def test_a_delivery_status_only_moves_forward(subject: Subject) -> None:
    """WhatsApp's statuses arrive out of order and twice; read never turns back into sent."""
    inbound = message("wamid.in1", chat="4915112345678", channel=Channel.WHATSAPP)
    state = await subject.store.open(inbound)
    await subject.store.record_outbound(state, Reply("Ihre Bestellung ist unterwegs"), "wamid.o1")

    async def report(status: str, error: str = "") -> bool:
        return (
            await subject.store.record_delivery(
                Channel.WHATSAPP, "4915112345678", "wamid.o1", status, error
            )
            is not None
        )

    assert await report("delivered")  # "sent" may never come
    assert not await report("sent")
    assert not await report("delivered")  # Meta's retry
    assert await report("read")
    assert not await report("failed", "131047 Re-engagement message")
    assert not await report("read")


async def test_a_failed_message_comes_back_for_its_fallback(subject: Subject) -> None:
    inbound = message("wamid.in2", chat="4915112345678", channel=Channel.WHATSAPP)
    state = await subject.store.open(inbound)
    await subject.store.record_outbound(state, Reply("Wir melden uns morgen."), "wamid.o2")
    await subject.store.record_delivery(Channel.WHATSAPP, "4915112345678", "wamid.o2", "sent", "")
    failed = await subject.store.record_delivery(
        Channel.WHATSAPP, "4915112345678", "wamid.o2", "failed", "131047 Re-engagement message"
    )
    assert failed is not None
    assert (failed.conversation_id, failed.text) == (
        state.conversation_id,
        "Wir melden uns morgen.",
    )
    again = await subject.store.record_delivery(
        Channel.WHATSAPP, "4915112345678", "wamid.o2", "failed", "131047 Re-engagement message"
    )
    assert again is None  # a redelivered status does not trigger a second fallback


async def test_a_status_of_someone_elses_message_changes_nothing(subject: Subject) -> None:
    inbound = message("wamid.in3", chat="4915100000001", channel=Channel.WHATSAPP)
    state = await subject.store.open(inbound)
    await subject.store.record_outbound(state, Reply("Hallo"), "wamid.o3")
    other_chat = await subject.store.record_delivery(
        Channel.WHATSAPP, "4915100000002", "wamid.o3", "read", ""
    )
    unknown = await subject.store.record_delivery(
        Channel.WHATSAPP, "4915100000001", "wamid.nope", "read", ""
    )
    assert other_chat is None
    assert unknown is None
