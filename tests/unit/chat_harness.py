"""A customer's chat with an engine wired to fakes (keyword NLU, memory stores) and a real
Redis: the harness of the dialogue tests."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import redis.asyncio as aioredis

from bot.engine import Engine, EngineConfig
from bot.keys import Keys
from bot.memory_conversations import MemoryConversationStore
from bot.messages import Channel, InboundKind, InboundMessage, Reply
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.business_hours import BusinessHours
from faq.memory_store import MemoryFaqRepository
from nlu.decision import Thresholds
from nlu.fake import KeywordNlu
from nlu.language import LanguageDetector
from nlu.reader import MessageReader
from orders.demo_data import load_customers, load_orders
from orders.memory_provider import MemoryOrderProvider
from tests.fakes import FixedOpinion, RecordingSender

_ids = itertools.count(1)
KEYWORDS = {
    "order_status": ("bestellung", "wo bleibt", "order"),
    "human_handoff": ("mitarbeiter", "agent"),
    "complaint": ("frechheit",),
    "greet": ("hallo",),
    "out_of_scope": ("wetter",),
}
MONDAY_NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC).timestamp()


class Clock:
    """A settable clock (verification locks, business hours)."""

    def __init__(self, now: float = MONDAY_NOON) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Chat:
    """One customer's chat with an engine wired to fakes."""

    def __init__(
        self,
        redis: aioredis.Redis,
        orders: MemoryOrderProvider | None = None,
        channel: Channel = Channel.TELEGRAM,
        user: str = "77",
        neighbour: Chat | None = None,
    ) -> None:
        """`neighbour`: another customer's chat whose stores this one shares."""
        self.sender = RecordingSender()
        self.clock = Clock()
        self.channel, self.user = channel, user
        self.handoffs: MemoryHandoffDesk = neighbour.handoffs if neighbour else MemoryHandoffDesk()
        self.store: MemoryConversationStore = (
            neighbour.store if neighbour else MemoryConversationStore()
        )
        self.engine = Engine(
            store=self.store,
            reader=MessageReader(KeywordNlu(KEYWORDS), FixedOpinion(), Thresholds(0.6, 0.2)),
            faq=MemoryFaqRepository([]),
            orders=orders or MemoryOrderProvider(load_customers(), load_orders()),
            handoffs=self.handoffs,
            business_hours=BusinessHours(),
            languages=LanguageDetector(),
            senders={channel: self.sender},
            redis=redis,
            keys=Keys(prefix=f"o{next(_ids)}"),
            config=EngineConfig(
                lock_seconds=5, sent_marker_ttl=60, retry_base_delay=0.001, clock=self.clock
            ),
        )

    def message(self, body: str = "", payload: str = "") -> InboundMessage:
        """A text, or a button press when a payload is given."""
        kind = InboundKind.BUTTON if payload else InboundKind.TEXT
        return InboundMessage(
            self.channel, str(next(_ids)), self.user, self.user, kind, body, payload
        )

    async def say(self, body: str = "", payload: str = "", hint: str = "de") -> Reply:
        """Send a message and return the bot's last reply to it."""
        await self.engine.handle(replace(self.message(body, payload), language_hint=hint))
        return self.sender.sent[-1][1]
