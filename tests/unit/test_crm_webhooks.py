"""What comes back from a CRM: Chatwoot's webhook and the signed CRM webhook are checked,
matched to the handoff and queued as STAFF_* messages of the customer's conversation; the
rest is acknowledged and ignored; nothing malformed gets a 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis.exceptions
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.messages import Channel, InboundKind, InboundMessage
from crm_bridge import signing
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.crm_webhooks import CrmWebhooks
from crm_bridge.handoff import Handoff, HandoffReason, HandoffRequest
from tests.unit.test_crm_dispatcher import OneConversation

TOKEN = "cw-hook-5f2a9c"
SECRET = "crm-secret-77"
NOW = 1_795_000_000.0
Client = TestClient[web.Request, web.Application]


@dataclass
class Queue:
    """The inbound queue: keeps what was accepted (once per id), or is down."""

    accepted: list[InboundMessage] = field(default_factory=list)
    down: bool = False

    async def accept(self, message: InboundMessage) -> bool:
        """Append unless seen; raise like redis-py when Redis is unreachable."""
        if self.down:
            raise redis.exceptions.ConnectionError("Redis is gone")
        if any(m.message_id == message.message_id for m in self.accepted):
            return False
        self.accepted.append(message)
        return True


@dataclass
class Hooks:
    """The webhook app under test with its queue and the handoff linked to Chatwoot's 41."""

    client: Client
    queue: Queue
    handoff: Handoff


@pytest.fixture
async def hooks() -> AsyncIterator[Hooks]:
    """Both routes, a handoff waiting in conversation 5 (Telegram chat 4711)."""
    desk, queue = MemoryHandoffDesk(), Queue()
    handoff = await desk.request(
        HandoffRequest(5, "m1", HandoffReason.REQUESTED, "de", callback=False)
    )
    await desk.link_crm(handoff.id, "41")
    webhooks = CrmWebhooks(queue, desk, OneConversation(), TOKEN, SECRET, clock=lambda: NOW)
    app = web.Application()
    app.router.add_post("/webhooks/chatwoot/{token}", webhooks.chatwoot)
    app.router.add_post("/webhooks/crm", webhooks.signed)
    async with TestClient(TestServer(app)) as client:
        yield Hooks(client, queue, handoff)


def agent_message(**changes: Any) -> dict[str, Any]:
    """Chatwoot's message_created for an agent's reply in conversation 41."""
    return {
        "event": "message_created",
        "id": 901,
        "content": "Guten Tag, ich kümmere mich darum.",
        "message_type": "outgoing",
        "private": False,
        "sender": {"id": 3, "name": "Anna Berg", "type": "user"},
        "conversation": {"id": 41, "status": "open"},
        "account": {"id": 1},
        **changes,
    }


async def test_an_agents_reply_in_chatwoot_is_queued_for_the_customers_chat(
    hooks: Hooks,
) -> None:
    answer = await hooks.client.post(f"/webhooks/chatwoot/{TOKEN}", json=agent_message())
    assert answer.status == 200
    [queued] = hooks.queue.accepted
    assert (queued.channel, queued.chat_id) == (Channel.TELEGRAM, "4711")
    assert (queued.kind, queued.payload) == (InboundKind.STAFF_TEXT, str(hooks.handoff.id))
    assert (queued.text, queued.display_name) == (
        "Guten Tag, ich kümmere mich darum.",
        "Anna Berg (Chatwoot)",
    )
    again = await hooks.client.post(f"/webhooks/chatwoot/{TOKEN}", json=agent_message())
    assert again.status == 200
    assert len(hooks.queue.accepted) == 1  # Chatwoot's retry is not a second message


async def test_a_resolved_chatwoot_conversation_is_queued_as_a_resolve(hooks: Hooks) -> None:
    event = {"event": "conversation_status_changed", "id": 41, "status": "resolved"}
    assert (await hooks.client.post(f"/webhooks/chatwoot/{TOKEN}", json=event)).status == 200
    [queued] = hooks.queue.accepted
    assert queued.kind is InboundKind.STAFF_RESOLVED


@pytest.mark.parametrize(
    "event",
    [
        agent_message(message_type="incoming"),  # the customer's message we mirrored in
        agent_message(private=True),  # a private note (ours or a colleague's)
        agent_message(sender={"id": 9, "name": "Bot", "type": "agent_bot"}),
        agent_message(content="   "),
        agent_message(conversation={"id": 999}),  # not one of our handoffs
        {"event": "conversation_status_changed", "id": 41, "status": "open"},
        {"event": "contact_updated", "id": 3},
    ],
)
async def test_what_needs_no_action_is_acknowledged_and_ignored(
    hooks: Hooks, event: dict[str, Any]
) -> None:
    assert (await hooks.client.post(f"/webhooks/chatwoot/{TOKEN}", json=event)).status == 200
    assert hooks.queue.accepted == []


async def test_a_wrong_token_is_refused(hooks: Hooks) -> None:
    answer = await hooks.client.post("/webhooks/chatwoot/guessed", json=agent_message())
    assert answer.status == 401
    assert hooks.queue.accepted == []


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"\xff\xfe", b"{"])
async def test_a_malformed_body_is_a_400(hooks: Hooks, body: bytes) -> None:
    answer = await hooks.client.post(f"/webhooks/chatwoot/{TOKEN}", data=body)
    assert answer.status == 400


async def test_with_the_queue_down_chatwoot_is_told_to_try_again(hooks: Hooks) -> None:
    hooks.queue.down = True
    answer = await hooks.client.post(f"/webhooks/chatwoot/{TOKEN}", json=agent_message())
    assert answer.status == 503


async def post_signed(
    hooks: Hooks, document: dict[str, Any], *, secret: str = SECRET, at: float = NOW
) -> int:
    """POST to the signed CRM webhook as the other CRM would."""
    body = json.dumps(document).encode()
    stamp = str(int(at))
    headers = {
        "Content-Type": "application/json",
        signing.TIMESTAMP_HEADER: stamp,
        signing.SIGNATURE_HEADER: signing.sign(secret, stamp, body),
    }
    return (await hooks.client.post("/webhooks/crm", data=body, headers=headers)).status


async def test_a_signed_agent_message_and_resolve_are_queued(hooks: Hooks) -> None:
    handoff_id = hooks.handoff.id
    message = {
        "event": "agent.message",
        "id": "evt-1",
        "data": {"handoff_id": handoff_id, "agent": "Ben", "text": "Bin dran."},
    }
    resolved = {"event": "handoff.resolved", "id": "evt-2", "data": {"handoff_id": handoff_id}}
    assert await post_signed(hooks, message) == 200
    assert await post_signed(hooks, resolved) == 200
    assert [(m.kind, m.text, m.display_name) for m in hooks.queue.accepted] == [
        (InboundKind.STAFF_TEXT, "Bin dran.", "Ben"),
        (InboundKind.STAFF_RESOLVED, "", ""),
    ]


async def test_a_forged_or_replayed_callback_is_refused(hooks: Hooks) -> None:
    document = {"event": "handoff.resolved", "id": "e", "data": {"handoff_id": hooks.handoff.id}}
    assert await post_signed(hooks, document, secret="guessed") == 401
    assert await post_signed(hooks, document, at=NOW - 3600) == 401
    assert hooks.queue.accepted == []


@pytest.mark.parametrize(
    "document",
    [
        {"event": "agent.message", "id": "e", "data": {"handoff_id": 1}},  # no text
        {"event": "agent.message", "id": "e", "data": {"handoff_id": "1", "text": "x"}},
        {"event": "agent.message", "id": "", "data": {"handoff_id": 1, "text": "x"}},
        {"event": "handoff.reopened", "id": "e", "data": {"handoff_id": 1}},
        {"event": "handoff.resolved", "id": "e", "data": []},
        {"event": "handoff.resolved", "id": "e", "data": {"handoff_id": True}},
    ],
)
async def test_a_malformed_signed_callback_is_a_400(hooks: Hooks, document: dict[str, Any]) -> None:
    assert await post_signed(hooks, document) == 400
