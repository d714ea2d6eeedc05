"""A customer's Telegram messages answered end to end: webhook, Redis stream, worker, the real
Rasa model, FAQ answers from the database, replies through python-telegram-bot's Bot."""

from __future__ import annotations

import itertools
import time
from typing import Any

import pytest

from bot.channels.telegram_sender import render_html
from bot.devtools.telegram_standin import ChatEntry
from bot.storage.database import create_engine, session_factory
from crm_bridge.handoff import HandoffReason
from faq.sql_store import SqlFaqRepository
from handlers.payloads import CANCEL_HANDOFF
from handlers.texts import text
from tests.conftest import wait_for
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e
_update_ids = itertools.count(5_000_000)


def text_update(chat_id: int, text: str, language: str = "de") -> dict[str, Any]:
    """A private text message as the Bot API delivers it."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Petra", "language_code": language}
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "from": user,
            "chat": {"id": chat_id, "type": "private", "first_name": "Petra"},
            "date": int(time.time()),
            "text": text,
        },
    }


def photo_update(chat_id: int, file_id: str, caption: str = "") -> dict[str, Any]:
    """A photo (two sizes, as Telegram sends them) in a private chat."""
    update = text_update(chat_id, "")
    message = update["message"]
    del message["text"]
    message["photo"] = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 60},
        {"file_id": file_id, "file_unique_id": "l", "width": 1280, "height": 853},
    ]
    if caption:
        message["caption"] = caption
    return update


def button_update(chat_id: int, data: str) -> dict[str, Any]:
    """A press on one of the bot's inline buttons."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Petra", "language_code": "de"}
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": f"cb-{next(_update_ids)}",
            "from": user,
            "chat_instance": "42",
            "data": data,
            "message": {
                "message_id": 1,
                "chat": {"id": chat_id, "type": "private"},
                "date": int(time.time()),
                "text": "…",
            },
        },
    }


async def faq_answer(stack: Stack, slug: str, language: str) -> str:
    """The answer stored in the database, rendered as the Telegram sender renders it."""
    engine = create_engine(stack.settings.effective_database_url)
    entry = await SqlFaqRepository(session_factory(engine)).get(slug, language)
    await engine.dispose()
    assert entry is not None
    return render_html(entry.answer)


async def replies_to(stack: Stack, chat_id: int, count: int) -> list[ChatEntry]:
    """Wait until the bot has sent `count` messages to the chat."""
    await wait_for(lambda: len(stack.standin.bot_messages(chat_id)) >= count, seconds=30)
    return stack.standin.bot_messages(chat_id)


async def test_german_and_english_questions_get_the_right_faq_answer(stack: Stack) -> None:
    german, english = 9001, 9002
    assert await stack.post_update(text_update(german, "Was kostet der Versand?")) == 200
    assert (
        await stack.post_update(text_update(english, "What are your opening hours?", "en")) == 200
    )

    de_replies = await replies_to(stack, german, 2)
    en_replies = await replies_to(stack, english, 2)

    # A new contact is first told that an automated assistant answers.
    assert "digitale Assistent" in de_replies[0].text
    assert "automated assistant" in en_replies[0].text
    assert de_replies[1].text == await faq_answer(stack, "shipping_costs", "de")
    assert en_replies[1].text == await faq_answer(stack, "opening_hours", "en")
    assert de_replies[1].parse_mode == "HTML"


async def test_a_duplicate_update_gets_no_second_reply(stack: Stack) -> None:
    chat = 9003
    update = text_update(chat, "Wie lange dauert die Lieferung?")
    assert await stack.post_update(update) == 200
    await replies_to(stack, chat, 2)
    assert await stack.post_update(update) == 200  # Telegram redelivers: accepted, not redone
    follow_up = text_update(chat, "danke")
    assert await stack.post_update(follow_up) == 200
    replies = await replies_to(stack, chat, 3)
    assert [r.text for r in replies][1] == await faq_answer(stack, "delivery_time", "de")
    assert len(replies) == 3  # disclosure, answer, "you're welcome": nothing twice


async def test_a_button_press_is_acknowledged_and_answered(stack: Stack) -> None:
    chat = 9004
    update = button_update(chat, "faq:returns")
    assert await stack.post_update(update) == 200
    replies = await replies_to(stack, chat, 2)
    assert replies[-1].text == await faq_answer(stack, "returns", "de")
    assert update["callback_query"]["id"] in stack.standin.callback_answers


async def test_two_messages_in_a_row_the_bot_cannot_answer_lead_to_a_person(
    stack: Stack,
) -> None:
    chat = 9005
    weather = text_update(chat, "Wie wird das Wetter morgen in Kassel?")
    assert await stack.post_update(weather) == 200
    replies = await replies_to(stack, chat, 2)
    assert [b["callback_data"] for b in replies[-1].buttons] == ["menu"]
    assert await stack.post_update(text_update(chat, "erzähl mir einen witz")) == 200
    replies = await replies_to(stack, chat, 3)
    assert replies[-1].text.startswith(render_html(text("fallback_handoff", "de")))
    assert [b["callback_data"] for b in replies[-1].buttons] == [CANCEL_HANDOFF]
    [queued] = await stack.queued_handoffs()
    assert queued.request.reason is HandoffReason.NOT_UNDERSTOOD


async def test_start_shows_the_disclosure_and_the_category_menu(stack: Stack) -> None:
    chat = 9007
    assert await stack.post_update(text_update(chat, "/start")) == 200
    replies = await replies_to(stack, chat, 2)
    assert "digitale Assistent" in replies[0].text
    payloads = [b["callback_data"] for b in replies[1].buttons]
    assert payloads[0] == "cat:contact"
    assert len(payloads) == 12  # ten categories of the demo FAQ, a person, English
    assert payloads[-2:] == ["handoff", "lang:en"]
    assert await stack.post_update(button_update(chat, "cat:payment")) == 200
    replies = await replies_to(stack, chat, 3)
    assert "faq:reverse_charge" in [b["callback_data"] for b in replies[-1].buttons]


async def test_a_forged_update_is_refused_and_never_answered(stack: Stack) -> None:
    chat = 9006
    status = await stack.post_update(text_update(chat, "Was kostet der Versand?"), secret="nope")
    assert status == 401
    assert await stack.post_update(text_update(chat, "hallo")) == 200
    replies = await replies_to(stack, chat, 2)
    assert [r.text for r in replies[1:]] == [render_html(text("greet", "de"))]


async def test_the_customer_switches_to_english_and_the_bot_stays_there(stack: Stack) -> None:
    chat = 9010
    assert await stack.post_update(text_update(chat, "Was kostet der Versand?")) == 200
    replies = await replies_to(stack, chat, 2)
    assert replies[-1].text == await faq_answer(stack, "shipping_costs", "de")

    assert await stack.post_update(text_update(chat, "English please")) == 200
    replies = await replies_to(stack, chat, 3)
    assert replies[-1].text == text("language_switched", "en")

    # One word is too short to tell a language: the bot keeps the one the customer chose.
    assert await stack.post_update(text_update(chat, "Versandkosten?")) == 200
    replies = await replies_to(stack, chat, 4)
    assert replies[-1].text == await faq_answer(stack, "shipping_costs", "en")


async def test_writing_in_the_other_language_switches_the_answers(stack: Stack) -> None:
    chat = 9011
    assert await stack.post_update(text_update(chat, "Wie lange dauert die Lieferung?")) == 200
    replies = await replies_to(stack, chat, 2)
    assert replies[-1].text == await faq_answer(stack, "delivery_time", "de")
    english = text_update(chat, "Sorry, my German is bad. How long does delivery take?", "de")
    assert await stack.post_update(english) == 200
    replies = await replies_to(stack, chat, 3)
    assert replies[-1].text == await faq_answer(stack, "delivery_time", "en")


async def test_a_one_word_question_with_two_close_topics_gets_did_you_mean(stack: Stack) -> None:
    chat = 9012
    assert await stack.post_update(text_update(chat, "versand info")) == 200
    replies = await replies_to(stack, chat, 2)
    question = replies[-1]
    assert question.text == text("clarify", "de")
    offered = [b["callback_data"] for b in question.buttons]
    assert offered[-1] == "handoff"
    topics = offered[:-1]
    shipping_topics = {"faq:shipping_costs", "faq:delivery_time", "faq:delivery_countries"}
    assert len(topics) == 2
    assert set(topics) <= shipping_topics

    assert await stack.post_update(button_update(chat, topics[0])) == 200
    replies = await replies_to(stack, chat, 3)
    assert replies[-1].text == await faq_answer(stack, topics[0].removeprefix("faq:"), "de")


async def test_while_a_person_is_awaited_the_bot_stays_silent_until_withdrawn(
    stack: Stack,
) -> None:
    chat = 9013
    assert (
        await stack.post_update(text_update(chat, "Ich möchte mit einem Mitarbeiter sprechen"))
        == 200
    )
    replies = await replies_to(stack, chat, 2)
    assert replies[-1].text.startswith(render_html(text("handoff", "de")))
    assert [b["callback_data"] for b in replies[-1].buttons] == ["handoff_cancel"]

    # Written while queued: kept for the colleague, no bot answer.
    assert await stack.post_update(text_update(chat, "Was kostet der Versand?")) == 200
    assert await stack.post_update(button_update(chat, "handoff_cancel")) == 200
    replies = await replies_to(stack, chat, 3)
    assert replies[-1].text == render_html(text("handoff_cancelled", "de"))
    assert len(stack.standin.bot_messages(chat)) == 3

    assert await stack.post_update(text_update(chat, "Was kostet der Versand?")) == 200
    replies = await replies_to(stack, chat, 4)
    assert replies[-1].text == await faq_answer(stack, "shipping_costs", "de")
