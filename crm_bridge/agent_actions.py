"""What a person does in a handed-over conversation, whether from our agent console or from
a CRM: write to the customer in their messenger, and hand the conversation back to the bot,
which asks the customer for a rating. Both are recorded for the transcript and analytics."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

import redis.asyncio as aioredis
import structlog

from bot.keys import Keys
from bot.messages import Button, Channel, InboundKind, InboundMessage, Reply
from bot.senders import ReplySender, deliver_with_retry
from crm_bridge.context_packet import ConversationHistory, ConversationInfo
from crm_bridge.crm import CrmOutbox, closed
from crm_bridge.handoff import Handoff, HandoffDesk, HandoffState
from handlers.payloads import rating_payload
from handlers.texts import text

log = structlog.get_logger(__name__)
MAX_AGENT_MESSAGE = 4000  # characters; Telegram's limit is 4,096
STAFF_KINDS = frozenset({InboundKind.STAFF_TEXT, InboundKind.STAFF_RESOLVED})


class ConversationGoneError(LookupError):
    """The handoff's conversation no longer exists (erased)."""


class NoSenderError(LookupError):
    """No messenger is configured for the conversation's channel."""


class AgentActions:
    """Replies and resolves of people, delivered once."""

    def __init__(
        self,
        *,
        desk: HandoffDesk,
        history: ConversationHistory,
        senders: Mapping[Channel, ReplySender],
        outbox: CrmOutbox,
        redis: aioredis.Redis,
        keys: Keys,
        sent_marker_ttl: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._desk = desk
        self._history = history
        self._senders = senders
        self._outbox = outbox
        self._redis = redis
        self._keys = keys
        self._sent_marker_ttl = sent_marker_ttl
        self._clock = clock

    async def reply(self, handoff: Handoff, agent: str, message: str, *, once_as: str = "") -> None:
        """Send the agent's message to the customer and keep it in the transcript. With
        `once_as` (a CRM's message id) a redelivered message is not sent again. Raises
        ConversationGoneError, NoSenderError or DeliveryError."""
        info, sender = await self._recipient(handoff)
        body = message[:MAX_AGENT_MESSAGE]
        marker = self._keys.reply_sent(info.channel, once_as, "agent") if once_as else ""
        if marker and await self._redis.exists(marker):
            return
        reply = Reply(body, language=handoff.request.language)
        sent_id = await deliver_with_retry(sender, info.chat_id, reply)
        if marker:
            await self._redis.set(marker, sent_id, ex=self._sent_marker_ttl)
        await self._history.record_agent_reply(info.conversation_id, body, sent_id)
        await self._desk.agent_replied(handoff.id, agent)

    async def resolve(self, handoff: Handoff, *, from_crm: bool = False) -> bool:
        """Hand back to the bot and ask the customer for stars; False if it was not the
        agent's to resolve (any more). A resolve in our console is passed on to the CRM."""
        if not await self._desk.resolve(handoff.id):
            return False
        if not from_crm:
            await self._outbox.publish(closed(handoff, "resolved", self._clock()))
        info, sender = await self._recipient(handoff)
        language = handoff.request.language
        stars = tuple(Button("⭐" * n, rating_payload(n)) for n in range(1, 6))
        prompt = Reply(text("rating_prompt", language), stars, language=language)
        await deliver_with_retry(sender, info.chat_id, prompt)
        return True

    async def from_crm(self, message: InboundMessage) -> None:
        """A person wrote or resolved in the CRM (queued through the inbound stream, so it
        keeps its place among the customer's messages). Taking over a waiting customer
        claims them for that person."""
        handoff = await self._desk.get(int(message.payload)) if message.payload.isdigit() else None
        bound = log.bind(handoff=message.payload, kind=message.kind.value)
        if handoff is None or handoff.state not in (HandoffState.QUEUED, HandoffState.AGENT):
            bound.info("crm_action_for_closed_handoff")  # e.g. resolved here in the meantime
            return
        agent = message.display_name or "CRM"
        if handoff.state is HandoffState.QUEUED:
            await self._desk.claim(handoff.id, agent)
            handoff = await self._desk.get(handoff.id) or handoff
        if message.kind is InboundKind.STAFF_TEXT:
            await self.reply(handoff, agent, message.text, once_as=message.message_id)
        else:
            await self.resolve(handoff, from_crm=True)
        bound.info("crm_action_done")

    async def _recipient(self, handoff: Handoff) -> tuple[ConversationInfo, ReplySender]:
        info = await self._history.conversation(handoff.request.conversation_id)
        if info is None:
            raise ConversationGoneError(handoff.request.conversation_id)
        sender = self._senders.get(Channel(info.channel))
        if sender is None:
            raise NoSenderError(info.channel)
        return info, sender
