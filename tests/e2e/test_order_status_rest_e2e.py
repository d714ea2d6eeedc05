"""Order status end to end with the REST order provider: the bot configured (through its
settings) for a shop/ERP API, played by a local stand-in with its own JSON shape."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from bot.settings import Settings
from handlers.payloads import CANCEL_HANDOFF
from tests.e2e.conftest import Stack
from tests.e2e.test_order_status_e2e import Conversation, html
from tests.order_system_standin import (
    STANDIN_AUTH_HEADER,
    STANDIN_FIELD_MAP,
    STANDIN_STATUS_MAP,
    OrderSystemState,
    serve_order_system,
)

pytestmark = pytest.mark.e2e
TIMEOUT_SECONDS = 1.0


@pytest.fixture
async def order_system() -> AsyncIterator[tuple[str, OrderSystemState]]:
    """The ERP stand-in, serving the demo company's orders."""
    state = OrderSystemState()
    async with serve_order_system(state) as url:
        yield url, state


@pytest.fixture
def settings(settings: Settings, order_system: tuple[str, OrderSystemState]) -> Settings:
    """The test settings, pointed at the ERP stand-in as an operator would configure it."""
    return settings.model_copy(
        update={
            "orders_rest_url": order_system[0],
            "orders_rest_auth_header": SecretStr(STANDIN_AUTH_HEADER),
            "orders_rest_timeout_seconds": TIMEOUT_SECONDS,
            "orders_rest_field_map": STANDIN_FIELD_MAP,
            "orders_rest_status_map": STANDIN_STATUS_MAP,
        }
    )


async def test_the_status_comes_from_the_order_system(stack: Stack) -> None:
    chat = Conversation(stack, 9301)
    assert await chat.say("Wo bleibt KR-204823?") == html("order_ask_postal_code")
    shown = await chat.say("30159")
    assert "<b>Bestellung KR-204823</b>" in shown
    assert "paketverfolgung?match=ZX44871203" in shown
    assert "20x Dachlattennägel (5kg)" in shown


async def test_a_timeout_gets_a_polite_answer_and_a_person(
    stack: Stack, order_system: tuple[str, OrderSystemState]
) -> None:
    chat = Conversation(stack, 9302)
    await chat.say("KR-204815")
    order_system[1].delay_seconds = 10 * TIMEOUT_SECONDS
    started = time.monotonic()
    assert (await chat.say("34117")).startswith(html("order_system_down"))
    assert time.monotonic() - started < 5 * TIMEOUT_SECONDS  # did not wait for the ERP
    assert chat.buttons() == [CANCEL_HANDOFF]  # a person takes over; the customer may withdraw


async def test_a_server_error_gets_a_polite_answer_and_a_person(
    stack: Stack, order_system: tuple[str, OrderSystemState]
) -> None:
    chat = Conversation(stack, 9303)
    order_system[1].fail_with = 503
    await chat.say("KR-204815")
    assert (await chat.say("34117")).startswith(html("order_system_down"))
    assert chat.buttons() == [CANCEL_HANDOFF]
