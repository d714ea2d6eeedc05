"""HandoffDesk contract: the memory and SQL adapters (SQLite, PostgreSQL) behave alike."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.messages import Channel, InboundKind, InboundMessage
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory
from bot.storage.models import Conversation
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.handoff import (
    EventKind,
    HandoffDesk,
    HandoffReason,
    HandoffRequest,
    HandoffState,
    time_to_first_reply,
)

_chats = itertools.count(1)
NewConversation = Callable[[], Awaitable[int]]


@pytest.fixture
def desk(backend_sessions: SessionFactory | None) -> HandoffDesk:
    """The adapter under test."""
    if backend_sessions is None:
        return MemoryHandoffDesk()
    return SqlHandoffDesk(backend_sessions)


@pytest.fixture
def new_conversation(backend_sessions: SessionFactory | None) -> NewConversation:
    """Makes a conversation to hand over (a real row where the adapter has a database)."""
    if backend_sessions is None:
        return lambda: _counted()
    store = SqlConversationStore(backend_sessions)

    async def opened() -> int:
        chat = str(next(_chats))
        message = InboundMessage(Channel.TELEGRAM, chat, chat, chat, InboundKind.TEXT, "hi")
        return (await store.open(message)).conversation_id

    return opened


async def _counted() -> int:
    return next(_chats)


def asking(conversation_id: int, tier: str = "", message: str = "m1") -> HandoffRequest:
    """A customer's request for a person."""
    return HandoffRequest(
        conversation_id, message, HandoffReason.REQUESTED, "de", callback=False, tier=tier
    )


async def test_a_request_queues_the_conversation(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    conversation = await new_conversation()
    handoff = await desk.request(asking(conversation))
    assert (handoff.state, handoff.position) == (HandoffState.QUEUED, 1)
    assert await desk.open_handoff(conversation) == handoff
    assert [h.id for h in await desk.queue()] == [handoff.id]


async def test_asking_again_changes_nothing(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    conversation = await new_conversation()
    first = await desk.request(asking(conversation, message="m1"))
    again = await desk.request(asking(conversation, message="m2"))
    assert again == first
    assert len(await desk.queue()) == 1


async def test_key_accounts_are_served_before_customers_who_waited_longer(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    c_customer = await desk.request(asking(await new_conversation(), tier="C"))
    unknown = await desk.request(asking(await new_conversation()))
    a_customer = await desk.request(asking(await new_conversation(), tier="A"))
    b_customer = await desk.request(asking(await new_conversation(), tier="B"))
    assert [h.id for h in await desk.queue()] == [
        a_customer.id,
        b_customer.id,
        c_customer.id,
        unknown.id,
    ]
    assert (c_customer.position, unknown.position) == (1, 2)
    assert (a_customer.position, b_customer.position) == (1, 2)


async def test_the_customer_can_cancel_only_while_queued(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    conversation = await new_conversation()
    handoff = await desk.request(asking(conversation))
    assert await desk.cancel(conversation)
    assert not await desk.cancel(conversation)
    assert await desk.open_handoff(conversation) is None
    assert not await desk.claim(handoff.id, "anna")
    assert await desk.queue() == []


async def test_one_agent_claims_then_resolves_and_the_bot_is_back(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    conversation = await new_conversation()
    handoff = await desk.request(asking(conversation))
    assert not await desk.resolve(handoff.id)  # nobody has it yet
    assert await desk.claim(handoff.id, "anna")
    assert not await desk.claim(handoff.id, "ben")  # a second click loses
    claimed = await desk.open_handoff(conversation)
    assert claimed is not None
    assert (claimed.state, claimed.agent) == (HandoffState.AGENT, "anna")
    assert not await desk.cancel(conversation)  # too late: a person has it
    assert await desk.resolve(handoff.id)
    assert not await desk.resolve(handoff.id)
    assert await desk.open_handoff(conversation) is None
    again = await desk.request(asking(conversation, message="m9"))
    assert again.id != handoff.id


async def test_the_conversation_mode_follows_the_handoff(sessions: SessionFactory) -> None:
    """SQL only: the console and analytics read the conversation's mode."""
    desk = SqlHandoffDesk(sessions)
    message = InboundMessage(Channel.TELEGRAM, "mode", "mode", "mode", InboundKind.TEXT, "hi")
    conversation = (await SqlConversationStore(sessions).open(message)).conversation_id

    async def mode() -> str | None:
        async with sessions() as session:
            return await session.scalar(
                select(Conversation.mode).where(Conversation.id == conversation)
            )

    handoff = await desk.request(asking(conversation))
    assert await mode() == "queued"
    await desk.claim(handoff.id, "anna")
    assert await mode() == "agent"
    await desk.resolve(handoff.id)
    assert await mode() == "bot"


async def test_a_claimed_conversation_moves_to_a_colleague(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    conversation = await new_conversation()
    handoff = await desk.request(asking(conversation))
    assert not await desk.transfer(handoff.id, "anna", "ben")  # nobody has it yet
    await desk.claim(handoff.id, "anna")
    assert not await desk.transfer(handoff.id, "carl", "ben")  # not carl's to give
    assert await desk.transfer(handoff.id, "anna", "ben")
    assert [h.id for h in await desk.claimed_by("ben")] == [handoff.id]
    assert await desk.claimed_by("anna") == []


async def test_every_step_is_recorded_once_and_first_reply_time_runs_from_the_handoff(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    conversation = await new_conversation()
    handoff = await desk.request(asking(conversation))
    await desk.request(asking(conversation))  # a redelivered request records nothing more
    assert await desk.claim(handoff.id, "anna")
    assert not await desk.claim(handoff.id, "ben")  # the losing click is not an event
    assert time_to_first_reply(handoff, await desk.events(handoff.id)) is None
    await desk.agent_replied(handoff.id, "anna")
    await desk.transfer(handoff.id, "anna", "ben")
    await desk.agent_replied(handoff.id, "ben")
    assert await desk.resolve(handoff.id)
    assert not await desk.resolve(handoff.id)
    events = await desk.events(handoff.id)
    assert [(e.kind, e.agent) for e in events] == [
        (EventKind.REQUESTED, ""),
        (EventKind.CLAIMED, "anna"),
        (EventKind.AGENT_REPLIED, "anna"),
        (EventKind.TRANSFERRED, "ben"),
        (EventKind.AGENT_REPLIED, "ben"),
        (EventKind.RESOLVED, ""),
    ]
    assert events[0].at == handoff.requested_at
    first_reply = time_to_first_reply(handoff, events)
    assert first_reply == events[2].at - handoff.requested_at
    assert first_reply is not None
    assert first_reply >= timedelta(0)


async def test_a_cancel_is_recorded(desk: HandoffDesk, new_conversation: NewConversation) -> None:
    conversation = await new_conversation()
    handoff = await desk.request(asking(conversation))
    assert await desk.cancel(conversation)
    assert [e.kind for e in await desk.events(handoff.id)] == [
        EventKind.REQUESTED,
        EventKind.CANCELLED,
    ]


async def test_the_customer_rates_the_last_resolved_handoff_once(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    conversation = await new_conversation()
    assert not await desk.rate(conversation, 5)  # nothing resolved to rate
    handoff = await desk.request(asking(conversation))
    await desk.claim(handoff.id, "anna")
    assert not await desk.rate(conversation, 5)  # still with the agent
    await desk.resolve(handoff.id)
    assert await desk.rate(conversation, 4)
    assert not await desk.rate(conversation, 1)  # a second press changes nothing
    rated = [e for e in await desk.events(handoff.id) if e.kind is EventKind.RATED]
    assert [(e.stars, e.agent) for e in rated] == [(4, "anna")]


async def test_a_handoff_is_found_by_its_conversation_in_the_crm(
    desk: HandoffDesk, new_conversation: NewConversation
) -> None:
    first = await desk.request(asking(await new_conversation()))
    second = await desk.request(asking(await new_conversation()))
    assert await desk.by_crm_ref("cw-7") is None
    await desk.link_crm(second.id, "cw-7")
    found = await desk.by_crm_ref("cw-7")
    assert found is not None
    assert (found.id, found.crm_ref) == (second.id, "cw-7")
    assert await desk.by_crm_ref("") is None  # unlinked handoffs are never found
    assert (await desk.get(first.id)) == first
