"""A handoff to Chatwoot through the running stack: a Telegram customer asks for a person,
the conversation opens in Chatwoot with the context, the customer's next message follows,
a Chatwoot agent's reply (Chatwoot's webhook) reaches Telegram once, and resolving there
hands back to the bot with the rating prompt. The Chatwoot stand-in checks every request
against Chatwoot's OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.settings import Settings
from handlers.texts import text
from tests.chatwoot_standin import (
    STANDIN_ACCOUNT_ID,
    STANDIN_INBOX_ID,
    STANDIN_TOKEN,
    ChatwootState,
    Conversation,
    serve_chatwoot,
)
from tests.conftest import wait_for
from tests.e2e.conftest import Stack, production_stack
from tests.e2e.test_telegram_e2e import replies_to, text_update

pytestmark = pytest.mark.e2e
WEBHOOK_TOKEN = "cw-e2e-3b9d71"


@pytest.fixture
async def chatwoot() -> AsyncIterator[tuple[ChatwootState, str]]:
    """The Chatwoot stand-in and its URL."""
    state = ChatwootState()
    async with serve_chatwoot(state) as url:
        yield state, url


@pytest.fixture
async def crm_stack(
    settings: Settings, rasa_url: str, redis: aioredis.Redis, chatwoot: tuple[ChatwootState, str]
) -> AsyncIterator[Stack]:
    """The stack (on a flushed Redis) with SERVICEBOT_CRM=chatwoot."""
    configured = settings.model_copy(
        update={
            "rasa_url": rasa_url,
            "crm": "chatwoot",
            "chatwoot_url": chatwoot[1],
            "chatwoot_account_id": STANDIN_ACCOUNT_ID,
            "chatwoot_inbox_id": STANDIN_INBOX_ID,
            "chatwoot_api_token": SecretStr(STANDIN_TOKEN),
            "chatwoot_webhook_token": SecretStr(WEBHOOK_TOKEN),
        }
    )
    async with production_stack(configured) as stack:
        yield stack


async def chatwoot_says(stack: Stack, event: dict[str, Any]) -> int:
    """Chatwoot calls our webhook."""
    url = f"{stack.base_url}/webhooks/chatwoot/{WEBHOOK_TOKEN}"
    async with stack.http.post(url, json=event) as response:
        return response.status


def opened(state: ChatwootState) -> Conversation:
    """The one conversation servicebot opened."""
    [conversation] = state.conversations.values()
    return conversation


async def test_a_handoff_is_answered_and_resolved_in_chatwoot(
    crm_stack: Stack, chatwoot: tuple[ChatwootState, str]
) -> None:
    state, chat = chatwoot[0], 9601
    assert await crm_stack.post_update(text_update(chat, "Ich möchte einen Mitarbeiter")) == 200
    await replies_to(crm_stack, chat, 2)  # the disclosure and the queue position
    await wait_for(lambda: state.conversations and opened(state).messages, seconds=20)
    conversation = opened(state)
    [handoff] = await crm_stack.queued_handoffs()
    assert conversation.custom_attributes["servicebot_handoff"] == handoff.id
    [note] = conversation.messages
    assert note.private
    assert "Ich möchte einen Mitarbeiter" in note.content  # the transcript went along

    assert await crm_stack.post_update(text_update(chat, "Es geht um Bestellung 204815")) == 200
    await wait_for(lambda: len(opened(state).messages) == 2, seconds=20)
    mirrored = opened(state).messages[-1]
    assert (mirrored.content, mirrored.message_type, mirrored.private) == (
        "Es geht um Bestellung 204815",
        "incoming",
        False,
    )
    assert len(crm_stack.standin.bot_messages(chat)) == 2  # the bot said nothing to it

    reply = {
        "event": "message_created",
        "id": 5001,
        "content": "Guten Tag, hier ist Anna. Ich sehe mir die Bestellung an.",
        "message_type": "outgoing",
        "private": False,
        "sender": {"id": 1, "name": "Anna", "type": "user"},
        "conversation": {"id": conversation.id, "status": "open"},
    }
    assert await chatwoot_says(crm_stack, reply) == 200
    assert await chatwoot_says(crm_stack, reply) == 200  # Chatwoot retries: still once
    replies = await replies_to(crm_stack, chat, 3)
    assert replies[-1].text == "Guten Tag, hier ist Anna. Ich sehe mir die Bestellung an."

    resolved = {"event": "conversation_status_changed", "id": conversation.id, "status": "resolved"}
    assert await chatwoot_says(crm_stack, resolved) == 200
    replies = await replies_to(crm_stack, chat, 4)
    assert replies[-1].text == text("rating_prompt", "de")
    assert [r.text for r in replies].count(str(reply["content"])) == 1
    assert await crm_stack.queued_handoffs() == []
    assert state.violations == []
