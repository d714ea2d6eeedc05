"""Order status through the engine: verification, lockout, every status, follow-ups (fakes for
the NLU and the order system, a real Redis for the verification state)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
import redis.asyncio as aioredis

from bot.messages import Channel, InboundKind, InboundMessage
from crm_bridge.handoff import HandoffReason
from handlers.payloads import CANCEL_HANDOFF
from handlers.texts import text
from orders.demo_data import load_customers, load_orders
from orders.memory_provider import MemoryOrderProvider
from orders.model import Customer, Order, OrderStatus
from orders.ports import OrderSystemUnavailableError
from tests.unit.chat_harness import Chat


class DownOrderSystem(MemoryOrderProvider):
    """An order system that times out."""

    async def order(self, order_id: str) -> Order | None:
        """Always unavailable."""
        raise OrderSystemUnavailableError("timeout")


@pytest.fixture
def chat(redis: aioredis.Redis) -> Chat:
    """A Telegram customer on the demo orders."""
    return Chat(redis)


async def test_an_order_number_alone_asks_for_the_postal_code_then_shows_the_order(
    chat: Chat,
) -> None:
    asked = await chat.say("KR-204815")
    assert asked.text == text("order_ask_postal_code", "de")
    shown = await chat.say("34117")
    assert "*Bestellung KR-204815*" in shown.text
    assert "DHL" in shown.text
    assert "00340434161234567890" in shown.text
    assert "verfolgen.html?piececode=00340434161234567890" in shown.text
    assert "Dienstag, 24. November 2026" in shown.text
    assert "• 2x Akku-Bohrschrauber PRO 18V" in shown.text
    assert [b.payload for b in shown.buttons] == ["handoff:KR-204815", "orders"]


@pytest.mark.parametrize("written", ["kr 204815", "204815", "KR204815"])
async def test_order_numbers_are_understood_in_the_ways_customers_write_them(
    chat: Chat, written: str
) -> None:
    await chat.say(written)
    assert "KR-204815" in (await chat.say("34117")).text


async def test_verification_is_remembered_for_the_customers_other_orders(chat: Chat) -> None:
    await chat.say("KR-204815")
    await chat.say("34117")
    picking = await chat.say("KR-204816")  # the same customer's: no second question
    assert "*Bestellung KR-204816*" in picking.text
    assert "im Lager zusammengestellt" in picking.text


async def test_another_customers_order_is_not_shown_to_a_verified_customer(chat: Chat) -> None:
    await chat.say("KR-204815")
    await chat.say("34117")
    foreign = await chat.say("KR-204817")  # Elektro Yilmaz's order
    assert foreign.text == text("order_not_found", "de")
    assert "NYM-J" not in " ".join(chat.sender.texts)


async def test_unknown_orders_and_wrong_postal_codes_get_the_same_answer(
    redis: aioredis.Redis,
) -> None:
    unknown, wrong = Chat(redis, user="1"), Chat(redis, user="2")
    assert (await unknown.say("KR-999999")).text == text("order_ask_postal_code", "de")
    unknown_reply = await unknown.say("34117")
    await wrong.say("KR-204815")
    wrong_reply = await wrong.say("34119")
    assert unknown_reply == wrong_reply
    assert unknown_reply.text == text("order_not_found", "de")


async def test_three_wrong_postal_codes_lock_for_15_minutes_and_hand_over(chat: Chat) -> None:
    await chat.say("KR-204815")
    await chat.say("11111")
    await chat.say("22222")
    locked = await chat.say("33333")
    assert locked.text.startswith(text("order_locked_handoff", "de"))
    assert [b.payload for b in locked.buttons] == [CANCEL_HANDOFF]
    [queued] = await chat.handoffs.queue()
    assert queued.request.reason is HandoffReason.ORDER_LOOKUP_FAILED
    await chat.say(payload=CANCEL_HANDOFF)  # the customer would rather wait and try again
    again = await chat.say("KR-204815")
    assert again.text == text("order_locked", "de")
    assert [b.payload for b in again.buttons] == ["handoff"]
    chat.clock.now += 14 * 60
    assert (await chat.say("KR-204815")).text == text("order_locked", "de")
    chat.clock.now += 2 * 60
    assert (await chat.say("KR-204815")).text == text("order_ask_postal_code", "de")
    assert "*Bestellung KR-204815*" in (await chat.say("34117")).text


async def test_where_is_my_order_asks_for_the_number_first(chat: Chat) -> None:
    assert (await chat.say("Wo ist meine Bestellung?")).text == text("order_ask_number", "de")
    # Asked for a number, a number inside a sentence is taken too.
    assert (await chat.say("die nummer ist KR-204819 glaube ich")).text == text(
        "order_ask_postal_code", "de"
    )
    backordered = await chat.say("37073")
    assert "Lieferrückstand" in backordered.text
    assert "Dienstag, 8. Dezember 2026" in backordered.text


async def test_an_order_number_in_the_first_message_skips_the_question(chat: Chat) -> None:
    assert (await chat.say("Wo bleibt KR-204819?")).text == text("order_ask_postal_code", "de")


async def test_my_orders_lists_only_the_verified_customers_orders_newest_first(
    chat: Chat,
) -> None:
    await chat.say("KR-204815")
    await chat.say("34117")
    listed = await chat.say(payload="orders")
    assert [b.payload for b in listed.buttons] == [
        "order:KR-204816",
        "order:KR-204815",
        "order:KR-204826",
    ]
    assert listed.buttons[0].title == "KR-204816 · in Bearbeitung"
    assert "*Bestellung KR-204826*" in (await chat.say(payload="order:KR-204826")).text


async def test_an_order_button_of_another_customer_shows_nothing(chat: Chat) -> None:
    await chat.say("KR-204815")
    await chat.say("34117")
    assert (await chat.say(payload="order:KR-204817")).text == text("order_not_found", "de")


async def test_my_orders_unverified_asks_for_an_order_number(chat: Chat) -> None:
    assert (await chat.say(payload="orders")).text == text("order_ask_number", "de")


@pytest.mark.parametrize(
    ("order_id", "postal_code", "expected"),
    [
        ("KR-204818", "34119", "📥 Eingegangen"),
        ("KR-204816", "34117", "📦 Wird gerade im Lager"),
        ("KR-204823", "30159", "gls-group.com/DE/de/paketverfolgung?match=ZX44871203"),
        ("KR-204817", "34119", "✅ Zugestellt am Donnerstag, 12. November 2026."),
        ("KR-204819", "37073", "⏳ Ein Artikel ist gerade nicht vorrätig"),
        ("KR-204822", "99084", "❌ Diese Bestellung wurde storniert."),
        ("KR-204820", "3511 AB", "piececode=00340434169876543210"),
    ],
)
async def test_every_status_has_its_answer(
    chat: Chat, order_id: str, postal_code: str, expected: str
) -> None:
    await chat.say(order_id)
    assert expected in (await chat.say(postal_code)).text


async def test_english_customers_get_english_status_and_dates(chat: Chat) -> None:
    await chat.say("Where is my order KR-204820?", hint="en")
    shown = await chat.say("3511", hint="en")
    assert "*Order KR-204820*" in shown.text
    assert "Expected delivery: Monday, 23 November 2026" in shown.text
    assert "dhl.de/en/" in shown.text


async def test_a_late_delivery_offers_a_person_about_that_order(chat: Chat) -> None:
    chat.clock.now = datetime(2026, 11, 27, 9, 0, tzinfo=UTC).timestamp()
    await chat.say("KR-204815")
    late = await chat.say("34117")
    assert text("order_late", "de") in late.text
    assert late.buttons[0].payload == "handoff:KR-204815"
    handed = await chat.say(payload="handoff:KR-204815")
    assert handed.text.startswith(text("handoff", "de"))
    [handoff] = chat.handoffs.handoffs.values()
    assert (handoff.request.reason, handoff.request.order_id) == ("order_problem", "KR-204815")
    assert (handoff.request.customer_number, handoff.request.tier) == ("K10001", "A")


def shipped_with(carrier: str, redis: aioredis.Redis) -> Chat:
    """A chat with one customer (postal code 12345) whose order KR-300001 is on its way."""
    customer = Customer("K1", "Bau GmbH", "A. Bau", "B", "", "12345", "", "+4930123", "de")
    order = Order(
        "KR-300001",
        "K1",
        date(2026, 11, 20),
        OrderStatus.SHIPPED,
        carrier=carrier,
        tracking_number="T-1",
        eta=date(2026, 11, 25),
    )
    return Chat(redis, MemoryOrderProvider([customer], [order]))


async def test_a_freight_forwarder_phones_instead_of_a_tracking_link(
    redis: aioredis.Redis,
) -> None:
    chat = shipped_with("Spedition Kühne", redis)
    await chat.say("KR-300001")
    shown = await chat.say("12345")
    assert "Spedition Kühne" in shown.text
    assert "ruft Sie vor der Zustellung an" in shown.text
    assert "http" not in shown.text


@pytest.mark.parametrize(
    ("carrier", "link"),
    [
        ("DHL", "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=T-1"),
        ("DPD", "https://tracking.dpd.de/status/de_DE/parcel/T-1"),
        ("GLS", "https://gls-group.com/DE/de/paketverfolgung?match=T-1"),
    ],
)
async def test_parcel_carriers_get_a_tracking_link(
    redis: aioredis.Redis, carrier: str, link: str
) -> None:
    chat = shipped_with(carrier, redis)
    await chat.say("KR-300001")
    assert f"Sendung verfolgen: {link}" in (await chat.say("12345")).text


async def test_the_whatsapp_number_verifies_the_sender(redis: aioredis.Redis) -> None:
    chat = Chat(redis, channel=Channel.WHATSAPP, user="4956170001001")
    shown = await chat.say("Wo bleibt KR-204815?")
    assert "*Bestellung KR-204815*" in shown.text
    assert "Ihre letzten Bestellungen" in (await chat.say(payload="orders")).text


async def test_a_whatsapp_number_of_another_customer_does_not_verify(
    redis: aioredis.Redis,
) -> None:
    chat = Chat(redis, channel=Channel.WHATSAPP, user="4956170001002")  # Elektro Yilmaz
    assert (await chat.say("KR-204815")).text == text("order_not_found", "de")


async def test_when_the_order_system_is_down_a_person_takes_over(redis: aioredis.Redis) -> None:
    chat = Chat(redis, DownOrderSystem(load_customers(), load_orders()))
    await chat.say("KR-204815")
    down = await chat.say("34117")
    assert down.text.startswith(text("order_system_down", "de"))
    assert [b.payload for b in down.buttons] == [CANCEL_HANDOFF]
    [queued] = await chat.handoffs.queue()
    assert queued.request.reason is HandoffReason.ORDER_SYSTEM_DOWN


async def test_a_postal_code_handled_twice_after_a_crash_counts_and_replies_once(
    chat: Chat,
) -> None:
    await chat.say("KR-204815")
    wrong = chat.message("11111")
    await chat.engine.handle(wrong)
    await chat.engine.handle(wrong)  # redelivered: same state before it, reply not resent
    assert chat.sender.texts.count(text("order_not_found", "de")) == 1
    await chat.say("22222")
    # Two failures, not three: the redelivery did not count again.
    assert "*Bestellung KR-204815*" in (await chat.say("34117")).text


def contact(chat: Chat, phone: str) -> InboundMessage:
    """The customer shares a phone number (empty: someone else's contact card)."""
    return replace(chat.message(), kind=InboundKind.CONTACT, payload=phone)


async def test_sharing_the_own_phone_number_verifies_instead_of_the_postal_code(
    chat: Chat,
) -> None:
    asked = await chat.say("KR-204815")
    assert asked.share_phone_button == text("button_share_phone", "de")
    await chat.engine.handle(contact(chat, "4956170001001"))
    assert "*Bestellung KR-204815*" in chat.sender.texts[-1]
    assert "*Bestellung KR-204816*" in (await chat.say("KR-204816")).text


async def test_a_shared_number_of_another_customer_shows_nothing_of_the_order(
    chat: Chat,
) -> None:
    await chat.say("KR-204815")
    await chat.engine.handle(contact(chat, "+4956170001002"))  # Elektro Yilmaz
    assert chat.sender.texts[-1] == text("order_not_found", "de")


async def test_a_shared_number_without_a_question_lists_the_orders(chat: Chat) -> None:
    await chat.engine.handle(contact(chat, "+4956170001001"))
    assert chat.sender.texts[-1] == text("order_list", "de")


async def test_an_unknown_or_foreign_number_verifies_nobody(chat: Chat) -> None:
    await chat.say("KR-204815")
    await chat.engine.handle(contact(chat, "+491701234567"))
    assert chat.sender.texts[-1] == text("order_phone_unknown", "de")
    await chat.engine.handle(contact(chat, ""))
    assert chat.sender.texts[-1] == text("order_phone_not_own", "de")
    # Still waiting for the postal code.
    assert "*Bestellung KR-204815*" in (await chat.say("34117")).text


async def test_a_postal_code_without_a_question_goes_to_the_model(chat: Chat) -> None:
    reply = await chat.say("34117")
    assert text("order_ask_postal_code", "de") != reply.text
    assert "Bestellung" not in reply.text
