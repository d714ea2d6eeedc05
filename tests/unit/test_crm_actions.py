"""The engine and the CRM: what the CRM is told about a handoff, and what a person in the
CRM does coming back as STAFF_* messages (SQLite, a real Redis, fake messenger and outbox)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest
import redis.asyncio as aioredis

from bot.engine import Engine, EngineConfig
from bot.keys import Keys
from bot.messages import Channel, InboundKind, InboundMessage
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.adapters.sql_history import SqlConversationHistory
from crm_bridge.agent_actions import AgentActions
from crm_bridge.business_hours import BusinessHours
from crm_bridge.crm import CrmEventKind
from crm_bridge.handoff import EventKind, Handoff, HandoffState
from faq.memory_store import MemoryFaqRepository
from handlers.payloads import CANCEL_HANDOFF
from handlers.texts import text
from nlu.decision import Thresholds
from nlu.fake import KeywordNlu
from nlu.language import LanguageDetector
from nlu.reader import MessageReader
from orders.demo_data import load_customers, load_orders
from orders.memory_provider import MemoryOrderProvider
from tests.fakes import FixedOpinion, MemoryCrmOutbox, RecordingSender
from tests.unit.chat_harness import KEYWORDS, Clock

_ids = itertools.count(1)
CHAT = "4711"


@dataclass
class Desk:
    """An engine whose handoffs go to a CRM, with its parts at hand."""

    engine: Engine
    desk: SqlHandoffDesk
    history: SqlConversationHistory
    sender: RecordingSender
    outbox: MemoryCrmOutbox
    agents: AgentActions

    async def customer(self, body: str = "", payload: str = "") -> InboundMessage:
        """The customer writes (or presses a button)."""
        kind = InboundKind.BUTTON if payload else InboundKind.TEXT
        message = InboundMessage(
            Channel.TELEGRAM, f"m{next(_ids)}", CHAT, CHAT, kind, body, payload
        )
        await self.engine.handle(message)
        return message

    def from_crm(self, kind: InboundKind, handoff: Handoff, body: str = "") -> InboundMessage:
        """What the CRM webhook queues when a person acts there."""
        return InboundMessage(
            Channel.TELEGRAM,
            f"chatwoot-message-{next(_ids)}",
            CHAT,
            CHAT,
            kind,
            body,
            str(handoff.id),
            display_name="Anna (Chatwoot)",
        )

    async def waiting(self) -> Handoff:
        """The one queued handoff."""
        [handoff] = await self.desk.queue()
        return handoff


@pytest.fixture
def crm_desk(sessions: SessionFactory, redis: aioredis.Redis) -> Desk:
    """The engine with SQL stores, the fake messenger and a recording CRM outbox."""
    keys = Keys(prefix=f"crm{next(_ids)}")
    desk, history = SqlHandoffDesk(sessions), SqlConversationHistory(sessions)
    sender, outbox = RecordingSender(), MemoryCrmOutbox()
    agents = AgentActions(
        desk=desk,
        history=history,
        senders={Channel.TELEGRAM: sender},
        outbox=outbox,
        redis=redis,
        keys=keys,
        sent_marker_ttl=60,
    )
    engine = Engine(
        store=SqlConversationStore(sessions),
        reader=MessageReader(KeywordNlu(KEYWORDS), FixedOpinion(), Thresholds(0.6, 0.2)),
        faq=MemoryFaqRepository([]),
        orders=MemoryOrderProvider(load_customers(), load_orders()),
        handoffs=desk,
        business_hours=BusinessHours(),
        languages=LanguageDetector(),
        senders={Channel.TELEGRAM: sender},
        redis=redis,
        keys=keys,
        config=EngineConfig(
            lock_seconds=5, sent_marker_ttl=60, retry_base_delay=0.001, clock=Clock()
        ),
        agents=agents,
        crm=outbox,
    )
    return Desk(engine, desk, history, sender, outbox, agents)


async def test_the_crm_hears_of_the_handoff_the_customers_messages_and_the_withdrawal(
    crm_desk: Desk,
) -> None:
    asking = await crm_desk.customer("Ich will einen Mitarbeiter")
    await crm_desk.engine.handle(asking)  # redelivered after a crash: told once
    handoff = await crm_desk.waiting()
    await crm_desk.customer("Es geht um die Rechnung vom März")
    await crm_desk.customer(payload="faq:invoice_copy")  # an old button, pressed while waiting
    await crm_desk.customer(payload=CANCEL_HANDOFF)
    told = [(e.kind, e.handoff_id, e.text) for e in crm_desk.outbox.events]
    assert told == [
        (CrmEventKind.HANDED_OVER, handoff.id, ""),
        (CrmEventKind.CUSTOMER_WROTE, handoff.id, "Es geht um die Rechnung vom März"),
        (CrmEventKind.CUSTOMER_WROTE, handoff.id, "[button: faq:invoice_copy]"),
        (CrmEventKind.CLOSED, handoff.id, "cancelled"),
    ]


async def test_a_reply_in_the_crm_claims_the_waiting_customer_and_arrives_once(
    crm_desk: Desk,
) -> None:
    await crm_desk.customer("Mitarbeiter bitte")
    handoff = await crm_desk.waiting()
    reply = crm_desk.from_crm(InboundKind.STAFF_TEXT, handoff, "Guten Tag, hier ist Anna.")
    await crm_desk.engine.handle(reply)
    await crm_desk.engine.handle(reply)  # the CRM's webhook, redelivered
    assert crm_desk.sender.texts.count("Guten Tag, hier ist Anna.") == 1
    claimed = await crm_desk.desk.get(handoff.id)
    assert claimed is not None
    assert (claimed.state, claimed.agent) == (HandoffState.AGENT, "Anna (Chatwoot)")
    events = [(e.kind, e.agent) for e in await crm_desk.desk.events(handoff.id)]
    assert events[1:] == [
        (EventKind.CLAIMED, "Anna (Chatwoot)"),
        (EventKind.AGENT_REPLIED, "Anna (Chatwoot)"),
    ]
    transcript = await crm_desk.history.transcript(handoff.request.conversation_id)
    assert (transcript[-1].kind, transcript[-1].text) == ("agent", "Guten Tag, hier ist Anna.")
    await crm_desk.customer("Danke, ich warte")  # the bot stays silent: a person has it
    assert crm_desk.sender.texts[-1] == "Guten Tag, hier ist Anna."


async def test_a_resolve_in_the_crm_hands_back_and_asks_for_stars(crm_desk: Desk) -> None:
    await crm_desk.customer("Mitarbeiter bitte")
    handoff = await crm_desk.waiting()
    await crm_desk.engine.handle(crm_desk.from_crm(InboundKind.STAFF_TEXT, handoff, "Erledigt."))
    await crm_desk.engine.handle(crm_desk.from_crm(InboundKind.STAFF_RESOLVED, handoff))
    prompt = crm_desk.sender.sent[-1][1]
    assert prompt.text == text("rating_prompt", "de")
    assert [b.payload for b in prompt.buttons] == [f"rate:{n}" for n in range(1, 6)]
    assert all(e.kind is not CrmEventKind.CLOSED for e in crm_desk.outbox.events)  # it knows
    await crm_desk.customer("hallo")
    assert crm_desk.sender.texts[-1] == text("greet", "de")  # the bot is back


async def test_a_resolve_in_our_console_is_passed_on_to_the_crm(crm_desk: Desk) -> None:
    await crm_desk.customer("Mitarbeiter bitte")
    handoff = await crm_desk.waiting()
    await crm_desk.desk.claim(handoff.id, "jonas")
    assert await crm_desk.agents.resolve(handoff)
    assert not await crm_desk.agents.resolve(handoff)  # a second click changes nothing
    closings = [e for e in crm_desk.outbox.events if e.kind is CrmEventKind.CLOSED]
    assert [(e.handoff_id, e.text) for e in closings] == [(handoff.id, "resolved")]


async def test_a_crm_reply_to_a_withdrawn_request_is_not_sent(crm_desk: Desk) -> None:
    await crm_desk.customer("Mitarbeiter bitte")
    handoff = await crm_desk.waiting()
    await crm_desk.customer(payload=CANCEL_HANDOFF)
    sent = len(crm_desk.sender.sent)
    await crm_desk.engine.handle(crm_desk.from_crm(InboundKind.STAFF_TEXT, handoff, "Hallo?"))
    assert len(crm_desk.sender.sent) == sent
