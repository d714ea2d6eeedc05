"""The CRM outbox and its dispatcher on a real Redis: every event reaches the CRM once and in
order, a CRM that is down is retried, a refused event is parked, a crashed dispatcher's event
is taken over."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

import pytest
import redis.asyncio as aioredis

from bot.crm_outbox import RedisCrmOutbox
from bot.keys import Keys
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.context_packet import ContextPacket, ConversationInfo, TranscriptEntry
from crm_bridge.crm import CrmError, CrmEvent, closed, customer_wrote, erased, handed_over
from crm_bridge.dispatcher import CrmDispatcher
from crm_bridge.handoff import Handoff, HandoffReason, HandoffRequest
from orders.demo_data import load_customers, load_orders
from orders.memory_provider import MemoryOrderProvider
from tests.conftest import wait_for

_ids = itertools.count(1)


class OneConversation:
    """A ConversationHistory with the one conversation every handoff here belongs to."""

    async def conversation(self, conversation_id: int) -> ConversationInfo | None:
        """Always the same Telegram chat."""
        return ConversationInfo(conversation_id, "telegram", "4711", "Petra", "de")

    async def transcript(self, conversation_id: int) -> list[TranscriptEntry]:
        """The message that asked for a person."""
        return [TranscriptEntry("in", "text", "Mitarbeiter", "human_handoff", 0.97, NOW)]

    async def record_agent_reply(
        self, conversation_id: int, text: str, channel_message_id: str
    ) -> None:
        """Not used by the dispatcher."""

    async def add_note(self, conversation_id: int, author: str, text: str) -> None:
        """Not used by the dispatcher."""

    async def media_of(self, conversation_id: int, entry_id: int) -> str | None:
        """No media here."""
        return None


NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@dataclass
class FlakyCrm:
    """A CRM that records what it was told and fails the next calls when asked to."""

    received: list[tuple[str, str]] = field(default_factory=list)  # (what, event key)
    packets: list[ContextPacket] = field(default_factory=list)
    fail_next: int = 0
    permanent: bool = False

    def _take(self, what: str, event: CrmEvent) -> None:
        if self.fail_next > 0:
            self.fail_next -= 1
            raise CrmError("CRM down", permanent=self.permanent)
        self.received.append((what, event.key))

    async def handed_over(self, packet: ContextPacket, event: CrmEvent) -> None:
        """Record the handoff and its packet."""
        self._take("handed_over", event)
        self.packets.append(packet)

    async def customer_wrote(self, handoff: Handoff, event: CrmEvent) -> None:
        """Record the message."""
        self._take("customer_wrote", event)

    async def closed(self, handoff: Handoff, event: CrmEvent) -> None:
        """Record the closing."""
        self._take("closed", event)

    async def erased(self, event: CrmEvent) -> None:
        """Record the erasure."""
        self._take("erased", event)


@dataclass
class Bridge:
    """The outbox, a desk with one handoff, the CRM and a way to run a dispatcher."""

    outbox: RedisCrmOutbox
    desk: MemoryHandoffDesk
    crm: FlakyCrm
    handoff: Handoff

    def dispatcher(self, consumer: str = "d1", **tuning: int | float) -> CrmDispatcher:
        """A dispatcher with short delays."""
        return CrmDispatcher(
            self.outbox.stream,
            self.crm,
            desk=self.desk,
            history=OneConversation(),
            orders=MemoryOrderProvider(load_customers(), load_orders()),
            consumer=consumer,
            base_delay=float(tuning.get("base_delay", 0.01)),
            max_attempts=int(tuning.get("max_attempts", 12)),
            block_ms=50,
            claim_idle_ms=int(tuning.get("claim_idle_ms", 60_000)),
        )


@pytest.fixture
async def bridge(redis: aioredis.Redis) -> Bridge:
    """An outbox under its own key prefix and one queued handoff."""
    desk = MemoryHandoffDesk()
    handoff = await desk.request(
        HandoffRequest(7, "m1", HandoffReason.REQUESTED, "de", callback=False)
    )
    outbox = RedisCrmOutbox(redis, Keys(prefix=f"disp{next(_ids)}"), 3600, 1000)
    return Bridge(outbox, desk, FlakyCrm(), handoff)


async def run_until(bridge: Bridge, dispatcher: CrmDispatcher, delivered: int) -> None:
    """Run the dispatcher until the CRM has taken `delivered` events, then stop it."""
    stop = asyncio.Event()
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        await wait_for(lambda: len(bridge.crm.received) >= delivered, seconds=10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)


async def parked(redis: aioredis.Redis, bridge: Bridge) -> list[CrmEvent]:
    """The events in the dead-letter stream."""
    entries = cast(
        list[tuple[bytes, dict[bytes, bytes]]],
        await redis.xrange(bridge.outbox.stream_names.dead_letters),
    )
    return [CrmEvent.from_json(fields[b"message"]) for _id, fields in entries]


async def test_events_reach_the_crm_once_in_order_even_after_it_was_down(bridge: Bridge) -> None:
    handoff = bridge.handoff
    await bridge.outbox.publish(handed_over(handoff, 1.0))
    await bridge.outbox.publish(handed_over(handoff, 1.0))  # published twice: sent once
    await bridge.outbox.publish(customer_wrote(handoff, "telegram:m2", "Hallo?", 2.0))
    await bridge.outbox.publish(closed(handoff, "cancelled", 3.0))
    bridge.crm.fail_next = 3  # down for the first three tries
    await run_until(bridge, bridge.dispatcher(), delivered=3)
    assert bridge.crm.received == [
        ("handed_over", handed_over(handoff, 0).key),
        ("customer_wrote", "message:telegram:m2"),
        ("closed", closed(handoff, "cancelled", 0).key),
    ]
    [packet] = bridge.crm.packets
    assert packet.transcript[0].text == "Mitarbeiter"  # the context went with the handoff
    # Nothing is left pending for the group: a restart, even one taking over everything
    # unacknowledged at once, sends nothing again.
    stop = asyncio.Event()
    restarted = asyncio.create_task(bridge.dispatcher(consumer="d2", claim_idle_ms=0).run(stop))
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(restarted, 5)
    assert len(bridge.crm.received) == 3


async def test_a_refused_event_is_parked_and_the_next_one_is_sent(
    bridge: Bridge, redis: aioredis.Redis
) -> None:
    await bridge.outbox.publish(handed_over(bridge.handoff, 1.0))
    await bridge.outbox.publish(closed(bridge.handoff, "cancelled", 2.0))
    bridge.crm.fail_next, bridge.crm.permanent = 1, True
    await run_until(bridge, bridge.dispatcher(), delivered=1)
    assert bridge.crm.received == [("closed", closed(bridge.handoff, "cancelled", 0).key)]
    assert [e.key for e in await parked(redis, bridge)] == [handed_over(bridge.handoff, 0).key]


async def test_an_event_that_keeps_failing_is_parked_after_the_last_attempt(
    bridge: Bridge, redis: aioredis.Redis
) -> None:
    await bridge.outbox.publish(handed_over(bridge.handoff, 1.0))
    await bridge.outbox.publish(closed(bridge.handoff, "cancelled", 2.0))
    bridge.crm.fail_next = 3
    await run_until(bridge, bridge.dispatcher(max_attempts=3), delivered=1)
    assert [what for what, _key in bridge.crm.received] == ["closed"]
    assert [e.key for e in await parked(redis, bridge)] == [handed_over(bridge.handoff, 0).key]


async def test_an_event_a_crashed_dispatcher_held_is_taken_over(bridge: Bridge) -> None:
    await bridge.outbox.publish(handed_over(bridge.handoff, 1.0))
    await bridge.outbox.stream.ensure_group()
    taken = await bridge.outbox.stream.read("crashed", 10, 50)  # read, never acknowledged
    assert len(taken) == 1
    await asyncio.sleep(0.1)
    await run_until(bridge, bridge.dispatcher(claim_idle_ms=50), delivered=1)
    assert bridge.crm.received == [("handed_over", handed_over(bridge.handoff, 0).key)]


async def test_an_erasure_reaches_the_crm_though_its_handoffs_are_gone_here(
    bridge: Bridge, redis: aioredis.Redis
) -> None:
    gone = erased([(bridge.handoff.id, "4711", NOW), (99, "", NOW)], 5.0)
    bridge.desk.handoffs.clear()  # erased with the customer's conversations
    await bridge.outbox.publish(gone)
    await run_until(bridge, bridge.dispatcher(), delivered=1)
    assert bridge.crm.received == [("erased", gone.key)]
    assert await parked(redis, bridge) == []


def test_an_erasure_event_keeps_its_handoffs_through_the_outbox() -> None:
    gone = erased([(3, "4711", NOW), (4, "", NOW)], 5.0)
    assert CrmEvent.from_json(gone.to_json()) == gone
    ms = int(NOW.timestamp() * 1000)
    assert gone.erased == ((3, "4711", f"handoff:3@{ms}"), (4, "", f"handoff:4@{ms}"))
