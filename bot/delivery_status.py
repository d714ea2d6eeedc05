"""Delivery statuses of our messages as the messenger reports them (WhatsApp: sent,
delivered, read, failed): kept on the message for the agent console, never moved back, and a
failed message gets the channel's fallback where one can still reach the customer (the
approved template once the 24-hour window has closed)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

import structlog

from bot.conversations import ConversationState, ConversationStore
from bot.messages import Channel, InboundMessage, Reply

log = structlog.get_logger(__name__)


class FallsBack(Protocol):
    """A channel that can try another way after Meta reported a message as failed."""

    async def after_failure(self, chat_id: str, text: str, language: str, codes: list[int]) -> str:
        """Send what can still reach the customer; its message id, or empty if nothing can."""
        ...


class DeliveryStatuses:
    """Applies STATUS messages (queued by the webhook, so in order within the chat)."""

    def __init__(self, store: ConversationStore, fallbacks: Mapping[Channel, FallsBack]) -> None:
        self._store = store
        self._fallbacks = fallbacks

    async def apply(self, message: InboundMessage) -> None:
        """Record the status; after a failure, the fallback (once: a redelivered status no
        longer moves the stored one forward)."""
        detail: dict[str, Any] = json.loads(message.payload)
        errors = detail.get("errors") or []
        codes = [e["code"] for e in errors if isinstance(e.get("code"), int)]
        reason = "; ".join(f"{e.get('code')} {e.get('title', '')}".strip() for e in errors)
        status = str(detail.get("status", ""))
        delivered = await self._store.record_delivery(
            message.channel, message.chat_id, str(detail.get("id", "")), status, reason
        )
        if delivered is None or status != "failed":
            return
        log.warning("message_failed", channel=message.channel.value, codes=codes)
        fallback = self._fallbacks.get(message.channel)
        if fallback is None or not delivered.text:
            return
        sent = await fallback.after_failure(
            message.chat_id, delivered.text, delivered.language, codes
        )
        if sent:
            state = ConversationState(delivered.conversation_id, 0, delivered.language, "", False)
            await self._store.record_outbound(state, Reply(delivered.text), sent)
