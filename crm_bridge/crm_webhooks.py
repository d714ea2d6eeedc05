"""What people do in the CRM comes back here: Chatwoot's webhook (an agent's reply, a
resolved conversation) and the signed CRM webhook. Receiving is not processing: each
action is verified, matched to its handoff and queued on the inbound stream as a STAFF_*
message of that conversation (so it keeps its place among the customer's messages and is
carried out once by a worker), then answered 200; 503 when the queue is down, so the CRM
tries again."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.exceptions
import structlog
from aiohttp import web

from bot.messages import Channel, InboundKind, InboundMessage
from crm_bridge import signing
from crm_bridge.context_packet import ConversationHistory
from crm_bridge.handoff import Handoff, HandoffDesk

log = structlog.get_logger(__name__)


class AcceptsMessages(Protocol):
    """The inbound queue (bot/inbound_queue.py)."""

    async def accept(self, message: InboundMessage) -> bool:
        """Append once; False for a duplicate."""
        ...


@dataclass(frozen=True, slots=True)
class StaffAction:
    """A person's reply or resolve, named by the CRM's own unique id for it."""

    kind: InboundKind
    action_id: str
    agent: str = ""
    text: str = ""


@dataclass(frozen=True, slots=True)
class CrmWebhooks:
    """The web handlers for the configured CRM's callbacks."""

    queue: AcceptsMessages
    desk: HandoffDesk
    history: ConversationHistory
    chatwoot_token: str = ""  # the secret last part of the URL registered in Chatwoot
    webhook_secret: str = ""  # shared with the generic CRM (crm_bridge/signing.py)
    clock: Callable[[], float] = field(default=time.time)

    async def chatwoot(self, request: web.Request) -> web.StreamResponse:
        """POST /webhooks/chatwoot/{token}: message_created and conversation_status_changed."""
        token = request.match_info.get("token", "")
        if not self.chatwoot_token or not hmac.compare_digest(token, self.chatwoot_token):
            raise web.HTTPUnauthorized(text="unknown webhook")
        body = _json_object(await request.read())
        conversation, action = _chatwoot_action(body)
        if action is None:
            return web.json_response({"ignored": str(body.get("event", ""))})
        handoff = await self.desk.by_crm_ref(conversation)
        return await self._queue(handoff, action)

    async def signed(self, request: web.Request) -> web.StreamResponse:
        """POST /webhooks/crm: `agent.message` (data: handoff_id, agent, text) and
        `handoff.resolved` (data: handoff_id), signed like our own events."""
        raw = await request.read()
        headers = request.headers
        if not signing.verify(
            self.webhook_secret,
            headers.get(signing.TIMESTAMP_HEADER, ""),
            raw,
            headers.get(signing.SIGNATURE_HEADER, ""),
            self.clock(),
        ):
            raise web.HTTPUnauthorized(text="bad or missing signature")
        body = _json_object(raw)
        data = body.get("data")
        event, action_id = body.get("event"), body.get("id")
        if not isinstance(data, dict) or not isinstance(action_id, str) or not action_id:
            raise web.HTTPBadRequest(text="expected {event, id, data: {handoff_id, ...}}")
        handoff_id = data.get("handoff_id")
        if not isinstance(handoff_id, int) or isinstance(handoff_id, bool):
            raise web.HTTPBadRequest(text="data.handoff_id must be an integer")
        if event == "agent.message":
            text, agent = data.get("text"), data.get("agent", "")
            if not isinstance(text, str) or not text.strip() or not isinstance(agent, str):
                raise web.HTTPBadRequest(text="agent.message needs a text and an agent name")
            action = StaffAction(InboundKind.STAFF_TEXT, f"crm-{action_id}", agent, text)
        elif event == "handoff.resolved":
            action = StaffAction(InboundKind.STAFF_RESOLVED, f"crm-{action_id}")
        else:
            raise web.HTTPBadRequest(text="event must be agent.message or handoff.resolved")
        return await self._queue(await self.desk.get(handoff_id), action)

    async def _queue(self, handoff: Handoff | None, action: StaffAction) -> web.StreamResponse:
        info = await self.history.conversation(handoff.request.conversation_id) if handoff else None
        if handoff is None or info is None:
            return web.json_response({"ignored": "no such handoff"})
        message = InboundMessage(
            Channel(info.channel),
            action.action_id,
            info.chat_id,
            info.chat_id,
            action.kind,
            text=action.text,
            payload=str(handoff.id),
            display_name=action.agent,
            received_at=self.clock(),
        )
        try:
            await self.queue.accept(message)
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError):
            log.warning("crm_action_not_queued", handoff=handoff.id)
            raise web.HTTPServiceUnavailable(text="queue unavailable, try again") from None
        return web.json_response({"queued": True})


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise web.HTTPBadRequest(text="the body is not JSON") from None
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(text="the body is not a JSON object")
    return body


def _chatwoot_action(body: dict[str, Any]) -> tuple[str, StaffAction | None]:
    """The Chatwoot conversation and what its agent did, or None for the many events we do
    not act on (the customer's messages we mirrored in, private notes, bots, other states)."""
    event = body.get("event")
    if event == "message_created":
        conversation, sender = body.get("conversation"), body.get("sender")
        content = body.get("content")
        if (
            body.get("message_type") != "outgoing"
            or body.get("private") is not False
            or not isinstance(conversation, dict)
            or not isinstance(sender, dict)
            or sender.get("type") != "user"  # a person, not an agent bot or the contact
            or not isinstance(content, str)
            or not content.strip()
        ):
            return "", None
        name = sender.get("name")
        agent = f"{name} (Chatwoot)" if isinstance(name, str) and name else "Chatwoot"
        action_id = f"chatwoot-message-{body.get('id')}"
        return str(conversation.get("id")), StaffAction(
            InboundKind.STAFF_TEXT, action_id, agent, content
        )
    if event == "conversation_status_changed" and body.get("status") == "resolved":
        conversation_id = str(body.get("id"))
        return conversation_id, StaffAction(
            InboundKind.STAFF_RESOLVED, f"chatwoot-resolved-{conversation_id}"
        )
    return "", None
