"""Order status end to end through the Telegram webhook: the real Rasa model, the SQL order
provider seeded with the demo company, verification state in the real Redis."""

from __future__ import annotations

import io
import logging

import pytest

from bot.channels.telegram_sender import render_html
from bot.logging import configure_logging
from handlers.payloads import CANCEL_HANDOFF
from handlers.texts import text
from orders.demo_data import load_customers, load_orders
from tests.e2e.conftest import Stack
from tests.e2e.test_telegram_e2e import button_update, replies_to, text_update

pytestmark = pytest.mark.e2e


class Conversation:
    """One Telegram customer writing to the running stack."""

    def __init__(self, stack: Stack, chat_id: int, language: str = "de") -> None:
        self.stack, self.chat_id, self.language = stack, chat_id, language
        self.received = 0

    async def say(self, message: str = "", button: str = "") -> str:
        """Send a text (or press a button) and return the text of the bot's last reply."""
        update = (
            button_update(self.chat_id, button)
            if button
            else text_update(self.chat_id, message, self.language)
        )
        assert await self.stack.post_update(update) == 200
        # The first answer to a new contact comes after the automated-assistant notice.
        self.received += 2 if self.received == 0 else 1
        replies = await replies_to(self.stack, self.chat_id, self.received)
        return replies[-1].text

    def buttons(self) -> list[str]:
        """Payloads of the buttons under the bot's last reply."""
        return [
            b["callback_data"] for b in self.stack.standin.bot_messages(self.chat_id)[-1].buttons
        ]


def html(key: str, language: str = "de") -> str:
    """A fixed sentence as the customer sees it on Telegram."""
    return render_html(text(key, language))


@pytest.mark.parametrize(
    ("order_id", "postal_code", "expected"),
    [
        ("KR-204818", "34119", ["📥 Eingegangen", "3x Leitungssucher LS 200"]),
        ("KR-204816", "34117", ["📦 Wird gerade im Lager", "Kappsäge KS 216"]),
        (
            "KR-204815",
            "34117",
            ["DHL", "verfolgen.html?piececode=00340434161234567890", "24. November 2026"],
        ),
        ("KR-204823", "30159", ["GLS", "paketverfolgung?match=ZX44871203"]),
        ("KR-204817", "34119", ["✅ Zugestellt am Donnerstag, 12. November 2026"]),
        ("KR-204819", "37073", ["⏳", "Lieferrückstand", "8. Dezember 2026"]),
        ("KR-204822", "99084", ["❌ Diese Bestellung wurde storniert."]),
    ],
    ids=["received", "picking", "shipped-dhl", "shipped-gls", "delivered", "backorder", "cancel"],
)
async def test_each_status_is_told_after_the_postal_code(
    stack: Stack, order_id: str, postal_code: str, expected: list[str]
) -> None:
    chat = Conversation(stack, 9100 + int(order_id[-2:]))
    assert await chat.say(f"Wo bleibt meine Bestellung {order_id}?") == html(
        "order_ask_postal_code"
    )
    shown = await chat.say(postal_code)
    assert f"<b>Bestellung {order_id}</b>" in shown
    for fragment in expected:
        assert fragment in shown


async def test_an_english_customer_gets_english_status_and_dates(stack: Stack) -> None:
    chat = Conversation(stack, 9201, "en")
    assert await chat.say("Hi, where is my order? Number 204820") == html(
        "order_ask_postal_code", "en"
    )
    shown = await chat.say("3511")
    assert "<b>Order KR-204820</b>" in shown
    assert "Expected delivery: Monday, 23 November 2026" in shown


async def test_where_is_my_order_asks_for_the_number_then_lists_my_orders(stack: Stack) -> None:
    chat = Conversation(stack, 9202)
    assert await chat.say("Wo ist meine Bestellung?") == html("order_ask_number")
    assert await chat.say("kr 204815") == html("order_ask_postal_code")
    assert "<b>Bestellung KR-204815</b>" in await chat.say("34117")
    assert await chat.say(button="orders") == html("order_list")
    assert chat.buttons() == ["order:KR-204816", "order:KR-204815", "order:KR-204826"]
    assert "Oberfräse OF 1400" in await chat.say(button="order:KR-204826")


async def test_a_wrong_postal_code_reveals_nothing(stack: Stack) -> None:
    chat = Conversation(stack, 9203)
    await chat.say("KR-204815")
    assert await chat.say("34119") == html("order_not_found")
    assert chat.buttons() == ["handoff"]


async def test_three_wrong_postal_codes_lock_the_contact_out(stack: Stack) -> None:
    chat = Conversation(stack, 9204)
    await chat.say("KR-204815")
    assert await chat.say("11111") == html("order_not_found")
    assert await chat.say("22222") == html("order_not_found")
    assert (await chat.say("33333")).startswith(html("order_locked_handoff"))
    assert chat.buttons() == [CANCEL_HANDOFF]  # a person takes over; the customer may withdraw
    await chat.say(button=CANCEL_HANDOFF)
    # Even with the order number again, nothing is asked or shown for 15 minutes.
    assert await chat.say("KR-204815") == html("order_locked")
    assert chat.buttons() == ["handoff"]
    sent = [entry.text for entry in stack.standin.bot_messages(chat.chat_id)]
    assert not any("Akku-Bohrschrauber" in message for message in sent)


async def test_another_customers_order_is_not_shown(stack: Stack) -> None:
    chat = Conversation(stack, 9205)
    await chat.say("KR-204815")
    await chat.say("34117")  # verified as Schreinerei Holzmann
    assert await chat.say("Und wo ist KR-204817?") == html("order_not_found")
    sent = " ".join(entry.text for entry in stack.standin.bot_messages(chat.chat_id))
    assert "NYM-J" not in sent


async def test_an_unknown_order_number_gets_the_same_answer_as_a_wrong_code(
    stack: Stack,
) -> None:
    chat = Conversation(stack, 9206)
    assert await chat.say("KR-999999") == html("order_ask_postal_code")
    assert await chat.say("34117") == html("order_not_found")


async def test_a_late_delivery_offers_a_person_for_that_order(stack: Stack) -> None:
    chat = Conversation(stack, 9207)
    await chat.say("KR-204815")
    await chat.say("34117")
    assert chat.buttons()[0] == "handoff:KR-204815"  # late or not: a person about this order
    assert (await chat.say(button="handoff:KR-204815")).startswith(html("handoff"))


async def test_sharing_the_phone_number_on_telegram_verifies_the_customer(stack: Stack) -> None:
    chat = Conversation(stack, 9209)
    assert await chat.say("Wo bleibt KR-204816?") == html("order_ask_postal_code")
    [share] = stack.standin.bot_messages(chat.chat_id)[-1].buttons
    assert share == {"text": text("button_share_phone", "de"), "request_contact": "True"}
    update = text_update(chat.chat_id, "")
    del update["message"]["text"]
    update["message"]["contact"] = {
        "phone_number": "4956170001001",
        "first_name": "Petra",
        "user_id": chat.chat_id,
    }
    assert await stack.post_update(update) == 200
    shown = (await replies_to(stack, chat.chat_id, chat.received + 1))[-1].text
    assert "<b>Bestellung KR-204816</b>" in shown


async def test_no_order_data_is_logged_above_debug(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    structured = io.StringIO()
    configure_logging("INFO", json_lines=True, stream=structured)
    caplog.set_level(logging.INFO)
    try:
        chat = Conversation(stack, 9208)
        await chat.say("Wo bleibt KR-204815?")
        await chat.say("34117")
        await chat.say("KR-204817")
        await chat.say(button="orders")
    finally:
        configure_logging("INFO", json_lines=True)
    logged = structured.getvalue() + caplog.text
    assert "message_handled" in logged  # the log was captured
    customer = next(c for c in load_customers() if c.number == "K10001")
    order = next(o for o in load_orders() if o.order_id == "KR-204815")
    for secret in ("204815", "204817", customer.postal_code, customer.company, customer.phone):
        assert secret not in logged
    assert order.tracking_number not in logged
    assert order.items[0] not in logged
