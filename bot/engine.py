"""The conversation engine: one inbound message in, the replies delivered, all recorded."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis
import structlog

from bot.conversations import ConversationState, ConversationStore, Understanding
from bot.delivery_status import DeliveryStatuses
from bot.dialogue import DialogueMemory
from bot.errors import DeliveryError, NluUnavailableError
from bot.keys import Keys
from bot.messages import Channel, InboundKind, InboundMessage, Reply, split_media
from bot.privacy import PrivacyDesk
from bot.senders import Sender, deliver_with_retry
from bot.streams import REDIS_DOWN, RedisOutage
from bot.verification_memory import RedisVerificationMemory
from crm_bridge.agent_actions import STAFF_KINDS, AgentActions
from crm_bridge.business_hours import BusinessHours
from crm_bridge.crm import CrmEventsOfMessage, CrmOutbox, NoCrm, customer_words, customer_wrote
from crm_bridge.handoff import Handoff, HandoffDesk, HandoffReason, HandoffState
from crm_bridge.media import KeepsMedia, MediaUnavailableError
from faq.ports import FaqRepository
from handlers import handoff, menu, order_status, privacy
from handlers.context import HandlerContext
from handlers.language_switch import confirm_switch, switch_requested
from handlers.menu import is_menu_request
from handlers.replies import media_received, unsupported
from handlers.router import respond_to_button, respond_to_decision
from handlers.texts import text
from nlu.decision import Action
from nlu.reader import MessageReader
from orders.ports import OrderProvider

log = structlog.get_logger(__name__)


class DetectsLanguage(Protocol):
    """Chooses the reply language for a message."""

    def detect(self, text: str, remembered: str | None, hint: str | None) -> str:
        """de or en."""
        ...

    def prepare(self) -> None:
        """Load what detecting needs (before the first message)."""
        ...


@dataclass(frozen=True, slots=True)
class EngineConfig:
    """Tunables of the engine, from settings."""

    lock_seconds: int
    sent_marker_ttl: int
    dialogue_ttl: int = 3600  # a miss an hour ago does not make the next one the second
    delivery_attempts: int = 4
    retry_base_delay: float = 0.5
    verification_ttl: int = 3600  # an hour without messages ends the verified conversation
    clock: Callable[[], float] = field(default=time.time)


class Engine:
    """Handles one message at a time per conversation (callers may run many conversations)."""

    def __init__(
        self,
        *,
        store: ConversationStore,
        reader: MessageReader,
        faq: FaqRepository,
        orders: OrderProvider,
        handoffs: HandoffDesk,
        business_hours: BusinessHours,
        languages: DetectsLanguage,
        senders: Mapping[Channel, Sender],
        redis: aioredis.Redis,
        keys: Keys,
        config: EngineConfig,
        agents: AgentActions | None = None,
        crm: CrmOutbox | None = None,
        statuses: DeliveryStatuses | None = None,
        media: KeepsMedia | None = None,
        privacy_desk: PrivacyDesk | None = None,
    ) -> None:
        """`agents` carries out what people do in a CRM (STAFF_* messages); `crm` is told of
        handoffs and of what the customer writes while people have the conversation;
        `statuses` applies delivery statuses (STATUS messages); `media` keeps the files
        customers send on channels whose links expire; `privacy_desk` exports or erases a
        customer's data when they ask in the chat."""
        self._store = store
        self._reader = reader
        self._faq = faq
        self._orders = orders
        self._handoffs = handoffs
        self._business_hours = business_hours
        self._languages = languages
        self._senders = senders
        self._redis = redis
        self._keys = keys
        self._config = config
        self._dialogue = DialogueMemory(redis, keys, config.dialogue_ttl)
        self._agents = agents
        self._crm: CrmOutbox = crm or NoCrm()
        self._statuses = statuses
        self._media = media
        self._privacy = privacy_desk

    async def prepare(self) -> None:
        """Before the worker reads its first message: what that message would wait for."""
        self._languages.prepare()
        await self._reader.prepare()

    async def handle(self, message: InboundMessage) -> None:
        """Answer the message; raises DeliveryError if the answer could not be delivered."""
        bound = log.bind(channel=message.channel.value, conversation=message.conversation_key)
        if message.kind is InboundKind.BLOCKED:
            await self._store.mark_blocked(message)
            bound.info("customer_blocked_bot")
            return
        lock = self._redis.lock(
            self._keys.conversation_lock(message.conversation_key),
            timeout=self._config.lock_seconds,
            blocking_timeout=self._config.lock_seconds,
        )
        async with lock:
            if message.kind in STAFF_KINDS:
                if self._agents is None:
                    raise RuntimeError("a CRM action arrived but no CRM is configured")
                await self._agents.from_crm(message)
                return
            if message.kind is InboundKind.STATUS:
                if self._statuses is not None:
                    await self._statuses.apply(message)
                return
            state = await self._store.open(message)
            await self._keep_media(message)
            with_people = await self._handoffs.open_handoff(state.conversation_id)
            cancelling = _cancels(message, with_people)
            if with_people is not None and not cancelling and not _asked_by(message, with_people):
                # People have the conversation: the bot stays silent, the message is kept.
                await self._store.record_inbound(state, message, Understanding("for_agent"))
                await self._crm.publish(
                    customer_wrote(
                        with_people,
                        f"{message.channel.value}:{message.message_id}",
                        customer_words(message),
                        self._config.clock(),
                    )
                )
                if message.callback_id:
                    await self._senders[message.channel].acknowledge_button(message.callback_id)
                bound.info("message_for_agent", handoff=with_people.id)
                return
            switch_to = switch_requested(message)
            language = switch_to or self._language(message, state)
            if language != state.language:
                await self._store.remember_language(state, language)
            crm_events = CrmEventsOfMessage()
            replies, understanding = await self._compose(
                message,
                state,
                language,
                crm_events,
                switching=switch_to is not None,
                cancelling=cancelling,
            )
            await self._store.record_inbound(state, message, understanding)
            # Only now: the CRM builds its context from the transcript, this message included.
            await crm_events.publish_to(self._crm)
            bound.info("message_handled", intent=understanding.intent, replies=len(replies))
            sender = self._senders[message.channel]
            if message.callback_id:
                await sender.acknowledge_button(message.callback_id)
            await self._deliver(sender, message, state, [_in(language, r) for r in replies])

    async def _keep_media(self, message: InboundMessage) -> None:
        """Store a customer's file now, while the channel still hands it out (a failure
        loses only the file, never the message)."""
        media = split_media(message.payload) if message.kind is InboundKind.MEDIA else None
        if media is None or self._media is None:
            return
        try:
            await self._media.keep(message.channel.value, media[1])
        except MediaUnavailableError as error:
            log.warning("media_not_kept", channel=message.channel.value, reason=str(error))

    def _language(self, message: InboundMessage, state: ConversationState) -> str:
        if message.kind in (InboundKind.TEXT, InboundKind.MEDIA):
            return self._languages.detect(message.text, state.language, message.language_hint)
        return self._languages.detect("", state.language, message.language_hint)

    async def _compose(
        self,
        message: InboundMessage,
        state: ConversationState,
        language: str,
        crm_events: CrmEventsOfMessage,
        *,
        switching: bool,
        cancelling: bool,
    ) -> tuple[list[Reply], Understanding]:
        """The replies; any failure becomes a polite apology (logged), never silence."""
        key, message_id = message.conversation_key, message.message_id
        now = self._config.clock()
        context = HandlerContext(
            language=language,
            faq=self._faq,
            orders=self._orders,
            handoffs=self._handoffs,
            business_hours=self._business_hours,
            conversation_id=state.conversation_id,
            message_id=message_id,
            verification=RedisVerificationMemory(
                self._redis, self._keys, key, message_id, self._config.verification_ttl
            ),
            now=now,
            # "Today" for delivery dates is the office's day.
            today=datetime.fromtimestamp(now, ZoneInfo(self._business_hours.timezone)).date(),
            misses_in_a_row=await self._dialogue.misses_before(key, message_id),
            text=message.text,
            sender_phone=message.user_id if message.channel is Channel.WHATSAPP else None,
            crm=crm_events,
            privacy=(
                self._privacy.for_chat(message.channel, message.chat_id, message_id)
                if self._privacy
                else None
            ),
        )
        understanding, understood = Understanding(), True
        try:
            if cancelling:
                replies = await handoff.withdraw(context)
                understanding = Understanding("cancel_handoff", 1.0)
            elif switching:
                replies = await confirm_switch(context)
                understanding = Understanding("switch_language", 1.0)
            elif message.kind is InboundKind.BUTTON:
                replies = await respond_to_button(message.payload, context)
            elif message.kind is InboundKind.CONTACT:
                replies = await order_status.verify_by_phone(message.payload, context)
                understanding = Understanding("share_phone", 1.0)
            elif message.kind is InboundKind.REACTION:  # kept in the transcript, no answer
                replies, understanding = [], Understanding("reaction")
            elif message.kind is InboundKind.MEDIA and not message.text.strip():
                replies, understanding = await media_received(context), Understanding("media")
            elif message.kind is InboundKind.TEXT and (asked := privacy.requested(message.text)):
                replies = await privacy.offer(asked, context)
                understanding = Understanding(f"privacy_{asked.value}", 1.0)
            elif message.kind is InboundKind.TEXT and is_menu_request(message.text):
                replies, understanding = await menu.categories(context), Understanding("menu", 1.0)
            elif message.kind is InboundKind.TEXT and (
                direct := await order_status.answer_without_nlu(context)
            ):
                replies, understanding = direct, Understanding("order_status", 1.0)
            elif message.kind in (InboundKind.TEXT, InboundKind.MEDIA):  # media: its caption
                replies, understanding, understood = await self._understand(context)
            else:
                replies = await unsupported(context)
        except Exception:
            log.exception("compose_failed", conversation=key)
            replies = [Reply(text("error", language))]
        await self._dialogue.record(key, message_id, context.misses_in_a_row, understood)
        if state.is_new_contact and replies:  # (a reaction gets no answer at all)
            replies.insert(0, privacy.disclosure(context))
        return replies, understanding

    async def _understand(self, context: HandlerContext) -> tuple[list[Reply], Understanding, bool]:
        """Replies to what the model reads in the text, whether it understood it; without a
        model a person reads the message (guessing would be worse than waiting)."""
        try:
            reading = await self._reader.read(context.text, await self._faq.slugs())
        except NluUnavailableError as error:
            log.warning(
                "nlu_unavailable", conversation_id=context.conversation_id, reason=str(error)
            )
            replies = await handoff.hand_over(
                context, HandoffReason.BOT_UNAVAILABLE, lead="nlu_unavailable"
            )
            return replies, Understanding("nlu_unavailable"), True
        decision = reading.decision
        understanding = Understanding(decision.intent, decision.confidence, decision.action.value)
        context = replace(context, decision=decision, nlu=reading.result)
        replies = await respond_to_decision(decision, context)
        return replies, understanding, decision.action is not Action.FALLBACK

    async def _deliver(
        self,
        sender: Sender,
        message: InboundMessage,
        state: ConversationState,
        replies: list[Reply],
    ) -> None:
        """Send each reply once: a marker per reply survives a crash before the stream ack."""
        for reply in replies:
            marker = self._keys.reply_sent(
                message.channel.value, message.message_id, _digest(reply)
            )
            sent_as = await self._redis.get(marker)
            if sent_as is not None:  # delivered before a crash; the transcript may lack it
                await self._store.record_outbound(state, reply, _text(sent_as))
                continue
            try:
                channel_message_id = await deliver_with_retry(
                    sender,
                    message.chat_id,
                    reply,
                    attempts=self._config.delivery_attempts,
                    base_delay=self._config.retry_base_delay,
                )
            except DeliveryError as error:
                if error.blocked:  # marked, so nobody keeps writing into the void
                    await self._store.mark_blocked(message)
                    log.info("customer_blocked_bot", channel=message.channel.value)
                raise
            await self._remember_sent(marker, channel_message_id)
            await self._store.record_outbound(state, reply, channel_message_id)

    async def _remember_sent(self, marker: str, channel_message_id: str) -> None:
        """Set the sent-marker even through a Redis restart: without it, the message's next
        try would send the reply again."""
        outage = RedisOutage()
        deadline = self._config.clock() + self._config.lock_seconds
        while True:
            try:
                await self._redis.set(marker, channel_message_id, ex=self._config.sent_marker_ttl)
                return
            except REDIS_DOWN as error:
                if self._config.clock() > deadline:
                    raise
                await outage.pause(error, asyncio.Event())


def _asked_by(message: InboundMessage, with_people: Handoff) -> bool:
    """The message that asked for the person: handled again after a crash, it gets the same
    answer instead of silence."""
    return with_people.request.requested_by == message.message_id


def _cancels(message: InboundMessage, with_people: Handoff | None) -> bool:
    """The customer withdraws a request no person has taken yet."""
    return (
        with_people is not None
        and with_people.state is HandoffState.QUEUED
        and handoff.wants_to_cancel(message.payload or message.text)
    )


def _in(language: str, reply: Reply) -> Reply:
    """The reply marked with the conversation's language (channels add words of their own)."""
    return reply if reply.language else replace(reply, language=language)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _digest(reply: Reply) -> str:
    content = reply.text + "".join(f"|{b.title}={b.payload}" for b in reply.buttons)
    return hashlib.sha256(content.encode()).hexdigest()[:16]
