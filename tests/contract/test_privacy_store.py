"""PersonalData contract: export and erasure of a contact behave alike in memory, SQLite and
PostgreSQL; the SQL adapter also deletes what only the database keeps (notes, files, flags),
finds a Telegram contact by the phone number they shared, audits without personal data, and
purges idle conversations for the retention job."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from sqlalchemy import func, select

from bot.conversations import ConversationState, ConversationStore, Understanding
from bot.keys import Keys
from bot.memory_conversations import MemoryConversationStore
from bot.memory_privacy import MemoryPersonalData
from bot.messages import Channel, InboundKind, InboundMessage, Reply
from bot.privacy import PersonalData, Subject
from bot.retention import RetentionJob
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory, create_engine, session_factory
from bot.storage.models import (
    AnswerFlagRecord,
    AuditRecord,
    ChannelIdentity,
    Contact,
    Conversation,
    MediaFileRecord,
    Message,
    NoteRecord,
)
from bot.storage.privacy_store import SqlPersonalData
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.adapters.sql_history import SqlConversationHistory
from crm_bridge.handoff import HandoffDesk, HandoffReason, HandoffRequest
from tests.conftest import SQL_FIXTURES

_ids = itertools.count(1)
PETRA = "4956170001001"  # a WhatsApp number


@dataclass(frozen=True)
class Backend:
    """The conversation store, handoff desk and personal data of one backend."""

    store: ConversationStore
    desk: HandoffDesk
    data: PersonalData


@pytest.fixture
def backend_of(backend_sessions: SessionFactory | None) -> Backend:
    """The adapters under test, on empty stores."""
    if backend_sessions is None:
        store, desk = MemoryConversationStore(), MemoryHandoffDesk()
        return Backend(store, desk, MemoryPersonalData(store, desk))
    return Backend(
        SqlConversationStore(backend_sessions),
        SqlHandoffDesk(backend_sessions),
        SqlPersonalData(backend_sessions),
    )


def message(
    text: str,
    *,
    user: str = "4711",
    channel: Channel = Channel.TELEGRAM,
    kind: InboundKind = InboundKind.TEXT,
    payload: str = "",
    received_at: float = 0.0,
) -> InboundMessage:
    """A customer's message in their private chat."""
    return InboundMessage(
        channel,
        f"m{next(_ids)}",
        user,
        user,
        kind,
        text,
        payload,
        display_name="Petra",
        received_at=received_at,
    )


async def chat(
    backend: Backend, *lines: str, user: str = "4711", channel: Channel = Channel.TELEGRAM
) -> ConversationState:
    """A conversation: each line the customer's, answered by the bot."""
    state = None
    for line in lines:
        inbound = message(line, user=user, channel=channel)
        state = await backend.store.open(inbound)
        await backend.store.record_inbound(state, inbound, Understanding("greet", 0.9))
        await backend.store.record_outbound(state, Reply(f"Antwort auf {line}"), f"o{next(_ids)}")
    assert state is not None
    return state


async def a_handoff(backend: Backend, state: ConversationState) -> int:
    """The conversation handed to a person who resolved it, linked to the CRM."""
    handoff = await backend.desk.request(
        HandoffRequest(
            state.conversation_id,
            "m0",
            HandoffReason.REQUESTED,
            "de",
            callback=False,
            customer_number="K10001",
            tier="A",
        )
    )
    await backend.desk.claim(handoff.id, "jonas")
    await backend.desk.link_crm(handoff.id, "cw-12")
    await backend.desk.resolve(handoff.id)
    return handoff.id


async def test_an_export_holds_the_contacts_transcript_and_handoffs(
    backend_of: Backend,
) -> None:
    state = await chat(backend_of, "Hallo", "Wo bleibt KR-204815?")
    await a_handoff(backend_of, state)
    await chat(backend_of, "Ich bin jemand anderes", user="999")

    [contact] = await backend_of.data.export(Subject.of_chat("telegram", "4711"), "anna")

    assert contact.identities == (("telegram", "4711"),)
    [conversation] = contact.conversations
    assert [(m.direction, m.text) for m in conversation.messages] == [
        ("in", "Hallo"),
        ("out", "Antwort auf Hallo"),
        ("in", "Wo bleibt KR-204815?"),
        ("out", "Antwort auf Wo bleibt KR-204815?"),
    ]
    [handoff] = conversation.handoffs
    assert (handoff.reason, handoff.customer_number) == ("requested", "K10001")
    assert await backend_of.data.customer_numbers(Subject.of_chat("telegram", "4711")) == (
        "K10001",
    )


async def test_nothing_is_exported_for_a_chat_we_do_not_know(backend_of: Backend) -> None:
    await chat(backend_of, "Hallo")
    assert await backend_of.data.export(Subject.of_chat("whatsapp", "4711"), "anna") == ()


async def test_an_erasure_removes_the_contact_and_leaves_the_others(backend_of: Backend) -> None:
    state = await chat(backend_of, "Hallo", "Wo bleibt KR-204815?")
    handoff_id = await a_handoff(backend_of, state)
    other = await chat(backend_of, "Ich bin jemand anderes", user="999")

    erased = await backend_of.data.erase(Subject.of_chat("telegram", "4711"), "anna")

    assert (erased.contacts, erased.conversations, erased.messages) == (1, 1, 4)
    assert erased.chats == (("telegram", "4711"),)
    assert erased.user_ids == (("telegram", "4711"),)
    assert [(h.handoff_id, h.crm_ref, h.was_open) for h in erased.handoffs] == [
        (handoff_id, "cw-12", False)
    ]
    assert await backend_of.data.export(Subject.of_chat("telegram", "4711"), "anna") == ()
    assert await backend_of.desk.get(handoff_id) is None
    [kept] = await backend_of.data.export(Subject.of_chat("telegram", "999"), "anna")
    assert kept.conversations[0].messages[0].text == "Ich bin jemand anderes"
    assert other.conversation_id != state.conversation_id


async def test_after_an_erasure_the_conversation_takes_no_more_lines_and_the_next_is_new(
    backend_of: Backend,
) -> None:
    """The engine records the confirming press after the erasure: it must not bring back
    the conversation; the customer's next message starts as a new contact."""
    state = await chat(backend_of, "Hallo")
    await backend_of.data.erase(Subject.of_chat("telegram", "4711"), "customer")

    pressed = message("", kind=InboundKind.BUTTON, payload="privacy:erase")
    await backend_of.store.record_inbound(state, pressed, Understanding())
    await backend_of.store.record_outbound(state, Reply("Erledigt"), "o-last")

    assert await backend_of.data.export(Subject.of_chat("telegram", "4711"), "anna") == ()
    again = await backend_of.store.open(message("Hallo nochmal"))
    assert again.is_new_contact
    [contact] = await backend_of.data.export(Subject.of_chat("telegram", "4711"), "anna")
    assert [c.messages for c in contact.conversations] == [()]


async def test_a_whatsapp_contact_is_found_by_their_phone_number_in_any_notation(
    backend_of: Backend,
) -> None:
    await chat(backend_of, "Hallo", user=PETRA, channel=Channel.WHATSAPP)

    [contact] = await backend_of.data.export(Subject.of_phone("+49 561 70001001"), "anna")
    assert contact.identities == (("whatsapp", PETRA),)
    erased = await backend_of.data.erase(Subject.of_phone("0049 561 70001001"), "anna")
    assert (erased.contacts, erased.conversations) == (1, 1)
    assert erased.user_ids == (("whatsapp", PETRA),)


def test_a_subject_names_a_known_channel_and_a_real_number() -> None:
    with pytest.raises(ValueError, match="channel"):
        Subject.of_chat("sms", "4711")
    with pytest.raises(ValueError, match="chat id"):
        Subject.of_chat("telegram", " ")
    with pytest.raises(ValueError, match="digits"):
        Subject.of_phone("12-34")
    assert Subject.of_phone("+49 (0) 561 700").phone == "490561700"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest) -> str:
    """A migrated SQLite or PostgreSQL database (the tests below are about what only the
    database keeps: notes, files, the audit log, the time of every message)."""
    url: str = request.getfixturevalue(SQL_FIXTURES[request.param])
    return url


@pytest.fixture
async def sql(sql_url: str) -> AsyncIterator[SessionFactory]:
    """Sessions on that database."""
    engine = create_engine(sql_url)
    yield session_factory(engine)
    await engine.dispose()


async def count(sessions: SessionFactory, model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_database_erasure_takes_notes_files_and_flags_and_audits_no_personal_data(
    sql: SessionFactory,
) -> None:
    backend = Backend(SqlConversationStore(sql), SqlHandoffDesk(sql), SqlPersonalData(sql))
    photo = message("Kratzer", kind=InboundKind.MEDIA, payload="photo:AgAD-file-1")
    state = await backend.store.open(photo)
    await backend.store.record_inbound(state, photo, Understanding("media"))
    await SqlConversationHistory(sql).add_note(state.conversation_id, "jonas", "Ruft zurück")
    async with sql.begin() as session:
        session.add(
            MediaFileRecord(
                channel="telegram",
                reference="AgAD-file-1",
                content_type="image/jpeg",
                filename="a.jpg",
                content=b"x",
            )
        )
        session.add(
            MediaFileRecord(
                channel="telegram",
                reference="someone-else",
                content_type="image/jpeg",
                filename="b.jpg",
                content=b"y",
            )
        )
        line = await session.scalar(select(Message.id))
        session.add(AnswerFlagRecord(message_id=line, agent="jonas"))

    erased = await backend.data.erase(Subject.of_chat("telegram", "4711"), "anna")

    assert erased.media_files == 1
    for model, left in (
        (NoteRecord, 0),
        (AnswerFlagRecord, 0),
        (Message, 0),
        (Conversation, 0),
        (ChannelIdentity, 0),
        (Contact, 0),
        (MediaFileRecord, 1),
    ):
        assert await count(sql, model) == left, model
    async with sql() as session:
        [entry] = await session.scalars(select(AuditRecord))
    assert (entry.actor, entry.action, entry.target) == ("anna", "privacy.erased", "privacy:chat")
    assert "4711" not in str(entry.details)
    assert entry.details["conversations"] == 1


async def test_a_telegram_contact_who_shared_their_number_is_found_by_it(
    sql: SessionFactory,
) -> None:
    store, data = SqlConversationStore(sql), SqlPersonalData(sql)
    shared = message("", kind=InboundKind.CONTACT, payload="+4956170001001")
    state = await store.open(shared)
    await store.record_inbound(state, shared, Understanding("share_phone"))

    erased = await data.erase(Subject.of_phone(PETRA), "anna")

    assert (erased.contacts, erased.chats) == (1, (("telegram", "4711"),))
    async with sql() as session:
        entry = await session.scalar(select(AuditRecord))
    assert entry is not None
    assert entry.target == "privacy:phone"
    assert PETRA not in str(entry.details)


NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


async def test_the_purge_deletes_idle_conversations_and_their_lonely_contacts(
    sql: SessionFactory,
) -> None:
    store, desk, data = SqlConversationStore(sql), SqlHandoffDesk(sql), SqlPersonalData(sql)
    old = (NOW - timedelta(days=120)).timestamp()
    for user, when in (("old", old), ("recent", (NOW - timedelta(days=10)).timestamp())):
        inbound = message("Hallo", user=user, received_at=when)
        await store.record_inbound(await store.open(inbound), inbound, Understanding())
    waiting = message("Mitarbeiter", user="waiting", received_at=old)
    queued = await store.open(waiting)
    await desk.request(
        HandoffRequest(queued.conversation_id, "m", HandoffReason.REQUESTED, "de", False)
    )
    async with sql.begin() as session:  # every message in the test was written just now
        for row in await session.scalars(select(Message)):
            row.created_at = datetime.fromtimestamp(old, UTC)

    purged = await data.purge(NOW - timedelta(days=90))

    assert (purged.conversations, purged.messages, purged.contacts) == (1, 1, 1)
    assert purged.chats == (("telegram", "old"),)
    async with sql() as session:
        chats = set(await session.scalars(select(Conversation.chat_id)))
        entry = await session.scalar(select(AuditRecord))
    assert chats == {"recent", "waiting"}  # a person still has the waiting one
    assert entry is not None
    assert (entry.actor, entry.action) == ("retention", "privacy.purged")
    assert (await data.purge(NOW - timedelta(days=90))).conversations == 0


async def test_a_conversation_with_a_recent_reply_of_a_person_is_kept(sql: SessionFactory) -> None:
    store, data = SqlConversationStore(sql), SqlPersonalData(sql)
    inbound = message("Hallo", received_at=(NOW - timedelta(days=120)).timestamp())
    state = await store.open(inbound)
    await SqlConversationHistory(sql).record_agent_reply(state.conversation_id, "Gern!", "a1")

    # The customer wrote 120 days ago, the agent answered now (the wall clock): kept.
    purged = await data.purge(datetime.now(UTC) - timedelta(days=90))

    assert purged.conversations == 0


async def test_the_retention_job_follows_its_clock_and_trims_the_streams(
    sql: SessionFactory, redis: aioredis.Redis
) -> None:
    store, keys = SqlConversationStore(sql), Keys(prefix=f"ret{next(_ids)}")
    inbound = message("Hallo", received_at=NOW.timestamp())
    await store.record_inbound(await store.open(inbound), inbound, Understanding())
    await redis.xadd(keys.inbound_stream, {"message": inbound.to_json()}, id="1000-0")
    await redis.xadd(keys.inbound_stream, {"message": inbound.to_json()})  # now: kept
    clock = {"now": NOW.timestamp() + timedelta(days=30).total_seconds()}
    job = RetentionJob(SqlPersonalData(sql), redis, keys, 90, clock=lambda: clock["now"])

    first = await job.purge_once()

    assert (first.conversations, first.stream_entries) == (0, 1)  # 30 days idle: kept
    assert await redis.xlen(keys.inbound_stream) == 1
    clock["now"] = datetime.now(UTC).timestamp() + timedelta(days=91).total_seconds()
    purged = await job.purge_once()

    assert (purged.conversations, purged.contacts, purged.stream_entries) == (1, 1, 1)
    assert await redis.xlen(keys.inbound_stream) == 0
