"""The Telegram sender: python-telegram-bot's real Bot against the Bot API stand-in over HTTP,
including the Bot API's recorded error bodies (429 flood control, 403 blocked)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer
from telegram import Bot

from bot.channels.telegram_sender import TelegramSender, render_html
from bot.devtools.telegram_standin import STANDIN_TOKEN, StandinState, create_standin_app
from bot.errors import DeliveryError
from bot.messages import Button, Reply
from bot.telegram_wiring import connect_telegram_bot, telegram_bot
from tests.conftest import FIXTURES
from tests.net import free_port

RESPONSES = FIXTURES / "telegram" / "responses"


@pytest.fixture
async def standin() -> AsyncIterator[tuple[StandinState, Bot]]:
    """The stand-in on a real port and a Bot pointed at it."""
    state = StandinState()
    async with (
        TestServer(create_standin_app(state)) as server,
        telegram_bot(STANDIN_TOKEN, str(server.make_url("")).rstrip("/")) as bot,
    ):
        yield state, bot


def recorded(name: str) -> tuple[int, dict[str, object]]:
    """A recorded Bot API error response: (HTTP status, body)."""
    body = json.loads((RESPONSES / name).read_text())
    return int(body["error_code"]), body


async def test_a_reply_with_buttons_arrives_as_html_with_an_inline_keyboard(
    standin: tuple[StandinState, Bot],
) -> None:
    state, bot = standin
    reply = Reply(
        "*Versand* <frei> ab 150 € & mehr",
        (Button("Was kostet der Versand?", "faq:shipping_costs"), Button("Mensch", "handoff")),
    )
    message_id = await TelegramSender(bot).send("4242", reply)
    [sent] = state.bot_messages(4242)
    assert message_id == str(sent.message_id)
    assert sent.text == "<b>Versand</b> &lt;frei&gt; ab 150 € &amp; mehr"
    assert sent.parse_mode == "HTML"
    assert sent.buttons == [
        {"text": "Was kostet der Versand?", "callback_data": "faq:shipping_costs"},
        {"text": "Mensch", "callback_data": "handoff"},
    ]


async def test_asking_for_the_phone_number_shows_a_one_time_contact_button(
    standin: tuple[StandinState, Bot],
) -> None:
    state, bot = standin
    reply = Reply("Postleitzahl?", share_phone_button="📱 Meine Telefonnummer senden")
    await TelegramSender(bot).send("4243", reply)
    [sent] = state.bot_messages(4243)
    assert sent.buttons == [{"text": "📱 Meine Telefonnummer senden", "request_contact": "True"}]


async def test_flood_control_carries_retry_after(standin: tuple[StandinState, Bot]) -> None:
    state, bot = standin
    state.faults.append(recorded("429_too_many_requests_retry_after.json"))
    with pytest.raises(DeliveryError) as raised:
        await TelegramSender(bot).send("4242", Reply("hallo"))
    assert raised.value.retry_after == 2282
    assert not raised.value.permanent


async def test_a_blocked_bot_is_a_permanent_failure(standin: tuple[StandinState, Bot]) -> None:
    state, bot = standin
    state.faults.append(recorded("403_forbidden_bot_blocked_by_user.json"))
    with pytest.raises(DeliveryError) as raised:
        await TelegramSender(bot).send("4242", Reply("hallo"))
    assert raised.value.permanent
    assert state.bot_messages() == []


async def test_a_server_error_is_transient(standin: tuple[StandinState, Bot]) -> None:
    state, bot = standin
    state.faults.append((502, {"ok": False, "error_code": 502, "description": "Bad Gateway"}))
    with pytest.raises(DeliveryError) as raised:
        await TelegramSender(bot).send("4242", Reply("hallo"))
    assert not raised.value.permanent


async def test_button_presses_are_acknowledged(standin: tuple[StandinState, Bot]) -> None:
    state, bot = standin
    await TelegramSender(bot).acknowledge_button("cb-77")
    assert state.callback_answers == ["cb-77"]


def test_text_is_escaped_and_only_our_bold_becomes_html() -> None:
    assert render_html("*a* <script>") == "<b>a</b> &lt;script&gt;"
    assert render_html("2 * 3 = 6") == "2 * 3 = 6"
    assert len(render_html("x" * 5000)) == 4096


async def test_the_worker_waits_for_a_bot_api_that_comes_up_later() -> None:
    port = free_port()
    bot = telegram_bot(STANDIN_TOKEN, f"http://127.0.0.1:{port}")
    connecting = asyncio.create_task(connect_telegram_bot(bot, wait_seconds=20))
    await asyncio.sleep(0.5)
    assert not connecting.done()  # nothing listens yet: still waiting, not crashed
    state = StandinState()
    async with TestServer(create_standin_app(state), port=port):
        await asyncio.wait_for(connecting, 10)
        assert bot.username == "kramer_service_bot"
    await bot.shutdown()


async def test_a_rejected_token_fails_without_revealing_it() -> None:
    state = StandinState()
    async with TestServer(create_standin_app(state)) as server:
        api_url = str(server.make_url("")).rstrip("/")
        bot = telegram_bot("999:SECRET-TOKEN-VALUE", api_url)
        with pytest.raises(RuntimeError) as raised:
            await connect_telegram_bot(bot, wait_seconds=1)
        await bot.shutdown()
    assert "SECRET-TOKEN-VALUE" not in str(raised.value)
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__
