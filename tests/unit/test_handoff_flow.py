"""Handing over to people through the engine: queue or callback, silence while people have
the conversation, withdrawing, and the bot back after resolve (fakes, a real Redis)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from bot.errors import DeliveryError
from crm_bridge.handoff import HandoffReason, HandoffState
from handlers.texts import text
from tests.unit.chat_harness import Chat

# Europe/Berlin is UTC+1 in winter.
MONDAY_10 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC).timestamp()
SATURDAY_13 = datetime(2026, 11, 28, 12, 0, tzinfo=UTC).timestamp()


@pytest.fixture
def chat(redis: aioredis.Redis) -> Chat:
    """A Telegram customer on a Monday morning, when the service team is at work."""
    chat = Chat(redis)
    chat.clock.now = MONDAY_10
    return chat


async def test_asking_for_a_person_queues_and_tells_the_position(chat: Chat) -> None:
    reply = await chat.say("Ich möchte einen Mitarbeiter sprechen")
    queued = text("handoff_queued", "de").format(position=1)
    assert reply.text == f"{text('handoff', 'de')} {queued}"
    assert [b.payload for b in reply.buttons] == ["handoff_cancel"]
    [handoff] = await chat.handoffs.queue()
    assert (handoff.request.reason, handoff.request.callback) == (HandoffReason.REQUESTED, False)


async def test_the_second_customer_in_the_queue_is_told_so(redis: aioredis.Redis) -> None:
    first = Chat(redis, user="1")
    second = Chat(redis, user="2", neighbour=first)
    first.clock.now = second.clock.now = MONDAY_10
    await first.say(payload="handoff")
    reply = await second.say(payload="handoff")
    assert text("handoff_queued", "de").format(position=2) in reply.text


async def test_outside_business_hours_a_callback_is_noted_with_the_next_opening(
    chat: Chat,
) -> None:
    chat.clock.now = SATURDAY_13
    reply = await chat.say(payload="handoff")
    assert "am Montag, 30. November ab 07:00 Uhr" in reply.text
    assert text("handoff_queued", "de").split("{")[0] not in reply.text
    [handoff] = await chat.handoffs.queue()
    assert handoff.request.callback


async def test_an_angry_customer_goes_to_a_person_with_the_reason(chat: Chat) -> None:
    await chat.say("Das ist eine Frechheit!")
    [handoff] = await chat.handoffs.queue()
    assert handoff.request.reason is HandoffReason.COMPLAINT


async def test_while_queued_the_bot_is_silent_and_keeps_every_message(chat: Chat) -> None:
    await chat.say(payload="handoff")
    sent = len(chat.sender.sent)
    await chat.engine.handle(chat.message("Hallo, noch da? Wetter ist schlecht"))
    pressed = chat.message(payload="faq:shipping_costs")
    await chat.engine.handle(pressed)
    assert len(chat.sender.sent) == sent  # no bot reply at all
    assert [line.text for line in chat.store.transcript if line.direction == "in"][-2:] == [
        "Hallo, noch da? Wetter ist schlecht",
        "faq:shipping_costs",
    ]


async def test_the_customer_withdraws_by_button_and_the_bot_is_back(chat: Chat) -> None:
    await chat.say(payload="handoff")
    assert (await chat.say(payload="handoff_cancel")).text == text("handoff_cancelled", "de")
    assert await chat.handoffs.queue() == []
    assert (await chat.say("Hallo")).text == text("greet", "de")


async def test_the_customer_withdraws_by_typing(chat: Chat) -> None:
    await chat.say(payload="handoff")
    assert (await chat.say("Abbrechen!")).text == text("handoff_cancelled", "de")


async def test_once_an_agent_has_it_nothing_the_customer_writes_reaches_the_bot(
    chat: Chat,
) -> None:
    await chat.say(payload="handoff")
    [handoff] = await chat.handoffs.queue()
    await chat.handoffs.claim(handoff.id, "anna")
    sent = len(chat.sender.sent)
    await chat.engine.handle(chat.message("abbrechen"))
    await chat.engine.handle(chat.message("Hallo"))
    assert len(chat.sender.sent) == sent
    assert chat.handoffs.handoffs[handoff.id].state is HandoffState.AGENT

    await chat.handoffs.resolve(handoff.id)
    assert (await chat.say("Hallo")).text == text("greet", "de")


async def test_a_handoff_reply_lost_in_a_crash_is_sent_when_the_message_comes_again(
    chat: Chat,
) -> None:
    asking = chat.message(payload="handoff")
    chat.sender.fail_next = 100
    with pytest.raises(DeliveryError):
        await chat.engine.handle(asking)
    chat.sender.fail_next = 0
    await chat.engine.handle(asking)  # redelivered: answered, not silenced as "for the agent"
    assert chat.sender.texts[-1].startswith(text("handoff", "de"))
    assert len(await chat.handoffs.queue()) == 1


async def test_the_stars_the_customer_gives_after_resolve_are_kept_once(chat: Chat) -> None:
    await chat.say(payload="handoff")
    [handoff] = await chat.handoffs.queue()
    await chat.handoffs.claim(handoff.id, "anna")
    await chat.handoffs.resolve(handoff.id)
    assert (await chat.say(payload="rate:4")).text == text("rating_thanks", "de")
    await chat.say(payload="rate:1")  # pressed again on the old prompt
    assert chat.handoffs.ratings == {handoff.id: 4}
