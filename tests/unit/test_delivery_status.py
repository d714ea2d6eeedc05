"""Delivery statuses: kept on our message, never moved back, and a failed message's fallback
sent once (the memory store, a recording fallback)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from bot.delivery_status import DeliveryStatuses
from bot.memory_conversations import MemoryConversationStore
from bot.messages import Channel, InboundKind, InboundMessage, Reply

CUSTOMER = "4915112345678"


@dataclass
class Fallback:
    """A channel's fallback that records what it was asked to send."""

    asked: list[tuple[str, str, list[int]]] = field(default_factory=list)

    async def after_failure(self, chat_id: str, text: str, language: str, codes: list[int]) -> str:
        """Pretend the template went out."""
        self.asked.append((chat_id, text, codes))
        return f"wamid.template{len(self.asked)}"


def status(message_id: str, state: str, *errors: tuple[int, str]) -> InboundMessage:
    """A STATUS message as the WhatsApp webhook queues it."""
    detail = {
        "id": message_id,
        "status": state,
        "errors": [{"code": code, "title": title} for code, title in errors],
    }
    return InboundMessage(
        Channel.WHATSAPP,
        f"status:{message_id}:{state}",
        CUSTOMER,
        CUSTOMER,
        InboundKind.STATUS,
        payload=json.dumps(detail),
    )


async def a_sent_reply(store: MemoryConversationStore, text: str, message_id: str) -> None:
    """One of our replies in the customer's conversation."""
    inbound = InboundMessage(Channel.WHATSAPP, "wamid.in", CUSTOMER, CUSTOMER, InboundKind.TEXT)
    state = await store.open(inbound)
    await store.record_outbound(state, Reply(text), message_id)


async def test_a_message_failed_for_the_closed_window_goes_again_as_the_template() -> None:
    store, fallback = MemoryConversationStore(), Fallback()
    statuses = DeliveryStatuses(store, {Channel.WHATSAPP: fallback})
    await a_sent_reply(store, "Ihre Gutschrift ist veranlasst.", "wamid.o1")
    failed = status("wamid.o1", "failed", (131047, "Re-engagement message"))
    await statuses.apply(failed)
    await statuses.apply(failed)  # Meta's retry of the status
    assert fallback.asked == [(CUSTOMER, "Ihre Gutschrift ist veranlasst.", [131047])]
    [original, template] = [line for line in store.transcript if line.direction == "out"]
    assert (original.status, original.error) == ("failed", "131047 Re-engagement message")
    assert template.message_id == "wamid.template1"


async def test_delivered_and_read_are_kept_without_a_fallback() -> None:
    store, fallback = MemoryConversationStore(), Fallback()
    statuses = DeliveryStatuses(store, {Channel.WHATSAPP: fallback})
    await a_sent_reply(store, "Hallo", "wamid.o2")
    for state in ("read", "delivered", "sent"):  # in the order they happened to arrive
        await statuses.apply(status("wamid.o2", state))
    [line] = [line for line in store.transcript if line.direction == "out"]
    assert line.status == "read"
    assert fallback.asked == []
