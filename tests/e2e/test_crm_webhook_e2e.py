"""Any other CRM through the running stack (SERVICEBOT_CRM=webhook): a Telegram customer's
handoff arrives signed at the CRM's endpoint with its context, the CRM answers through
POST /webhooks/crm, the reply reaches Telegram and resolving hands back to the bot."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.settings import Settings
from crm_bridge import signing
from handlers.texts import text
from tests.conftest import wait_for
from tests.e2e.conftest import Stack, production_stack
from tests.e2e.test_telegram_e2e import replies_to, text_update
from tests.unit.test_signed_webhook import Receiver, receiving

pytestmark = pytest.mark.e2e
SECRET = "e2e-crm-secret-4711"


@pytest.fixture
async def other_crm() -> AsyncIterator[Receiver]:
    """The CRM's endpoint, checking signatures at the real clock."""
    async with receiving(Receiver(secret=SECRET, clock=time.time)) as crm:
        yield crm


@pytest.fixture
async def crm_stack(
    settings: Settings, rasa_url: str, redis: aioredis.Redis, other_crm: Receiver
) -> AsyncIterator[Stack]:
    """The stack (on a flushed Redis) with SERVICEBOT_CRM=webhook."""
    configured = settings.model_copy(
        update={
            "rasa_url": rasa_url,
            "crm": "webhook",
            "crm_webhook_url": other_crm.url,
            "crm_webhook_secret": SecretStr(SECRET),
        }
    )
    async with production_stack(configured) as stack:
        yield stack


async def crm_says(stack: Stack, document: dict[str, Any]) -> int:
    """The CRM calls back, signed."""
    body = json.dumps(document).encode()
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        signing.TIMESTAMP_HEADER: stamp,
        signing.SIGNATURE_HEADER: signing.sign(SECRET, stamp, body),
    }
    async with stack.http.post(f"{stack.base_url}/webhooks/crm", data=body, headers=headers) as r:
        return r.status


async def test_a_handoff_goes_to_the_crm_and_its_answer_to_the_customer(
    crm_stack: Stack, other_crm: Receiver
) -> None:
    chat = 9701
    assert await crm_stack.post_update(text_update(chat, "Mitarbeiter bitte")) == 200
    await wait_for(lambda: other_crm.received, seconds=20)
    [created] = other_crm.received
    assert created["event"] == "handoff.created"
    handoff = created["data"]["handoff"]
    assert handoff["transcript"][0]["text"] == "Mitarbeiter bitte"
    assert (handoff["channel"], handoff["chat_id"]) == ("telegram", str(chat))

    answer = {
        "event": "agent.message",
        "id": "crm-msg-1",
        "data": {"handoff_id": handoff["handoff_id"], "agent": "Ben", "text": "Ben hier, hallo!"},
    }
    assert await crm_says(crm_stack, answer) == 200
    replies = await replies_to(crm_stack, chat, 3)
    assert replies[-1].text == "Ben hier, hallo!"
    done = {
        "event": "handoff.resolved",
        "id": "crm-done-1",
        "data": {"handoff_id": handoff["handoff_id"]},
    }
    assert await crm_says(crm_stack, done) == 200
    replies = await replies_to(crm_stack, chat, 4)
    assert replies[-1].text == text("rating_prompt", "de")
    assert other_crm.refused == 0
