"""The customer's data rights in the chat, through the engine: a privacy request is
recognised without the NLU, confirmed by a button, then answered with what we store or
erased everywhere (store, handoffs, Redis state and streams, the CRM). On Telegram and
WhatsApp alike; against the memory adapters and a real Redis."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import cast

import pytest
import redis.asyncio as aioredis

from bot.crm_outbox import RedisCrmOutbox
from bot.engine import Engine, EngineConfig
from bot.errors import NluUnavailableError
from bot.inbound_queue import InboundQueue
from bot.keys import Keys
from bot.memory_conversations import MemoryConversationStore
from bot.memory_privacy import AuditLine, MemoryPersonalData
from bot.messages import Channel, InboundKind, InboundMessage, Reply
from bot.privacy_service import PrivacyConfig, PrivacyService
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.business_hours import BusinessHours
from crm_bridge.crm import CrmEvent, CrmEventKind
from crm_bridge.handoff import HandoffReason, HandoffRequest
from faq.memory_store import MemoryFaqRepository
from faq.model import FaqEntryData
from handlers.payloads import PRIVACY_CANCEL, PRIVACY_ERASE, PRIVACY_EXPORT
from handlers.privacy import PrivacyAsk, requested
from handlers.privacy_summary import PART_LENGTH
from handlers.texts import text
from nlu.decision import Thresholds
from nlu.fake import KeywordNlu
from nlu.language import LanguageDetector
from nlu.ports import NluResult
from nlu.reader import MessageReader
from orders.demo_data import load_customers, load_orders
from orders.memory_provider import MemoryOrderProvider
from tests.fakes import FixedOpinion, RecordingSender

_ids = itertools.count(1)
POLICY = "https://kramer.example/datenschutz"
FAQ = [
    FaqEntryData("shipping_costs", "de", "shipping", "Was kostet der Versand?", "*Versand* 6,90 €"),
    FaqEntryData("shipping_costs", "en", "shipping", "How much is shipping?", "*Shipping* 6.90"),
]
KEYWORDS = {"shipping_costs": ("versand", "shipping"), "greet": ("hallo", "hello")}
PETRA_WHATSAPP = "4956170001001"  # Schreinerei Holzmann's number in the demo customers


class DownNlu:
    """An NLU server that does not answer."""

    async def parse(self, text: str) -> NluResult:
        """Always unavailable."""
        raise NluUnavailableError("down")

    async def ready(self) -> bool:
        """Never ready."""
        return False


class Bot:
    """An engine with the privacy service, over memory stores and a real Redis."""

    def __init__(self, redis: aioredis.Redis, nlu: object = None) -> None:
        self.redis = redis
        self.keys = Keys(prefix=f"p{next(_ids)}")
        self.store = MemoryConversationStore()
        self.handoffs = MemoryHandoffDesk()
        self.data = MemoryPersonalData(self.store, self.handoffs)
        self.outbox = RedisCrmOutbox(redis, self.keys, 3600, 1000)
        self.queue = InboundQueue(redis, self.keys, 3600, 1000)
        self.last_id = ""
        self.senders = {Channel.TELEGRAM: RecordingSender(), Channel.WHATSAPP: RecordingSender()}
        orders = MemoryOrderProvider(load_customers(), load_orders())
        self.engine = Engine(
            store=self.store,
            reader=MessageReader(
                nlu or KeywordNlu(KEYWORDS),  # type: ignore[arg-type]
                FixedOpinion(),
                Thresholds(0.6, 0.2),
            ),
            faq=MemoryFaqRepository(FAQ),
            orders=orders,
            handoffs=self.handoffs,
            business_hours=BusinessHours(),
            languages=LanguageDetector(),
            senders=self.senders,
            redis=redis,
            keys=self.keys,
            config=EngineConfig(lock_seconds=5, sent_marker_ttl=60, retry_base_delay=0.001),
            privacy_desk=PrivacyService(
                self.data,
                redis=redis,
                keys=self.keys,
                orders=orders,
                crm=self.outbox,
                config=PrivacyConfig(policy_url=POLICY),
            ),
        )

    async def say(
        self,
        body: str = "",
        payload: str = "",
        channel: Channel = Channel.TELEGRAM,
        user: str = "77",
    ) -> list[Reply]:
        """The customer writes (or presses a button) through the stream, as in production;
        the bot's replies to it."""
        kind = InboundKind.BUTTON if payload else InboundKind.TEXT
        message = InboundMessage(
            channel, f"m{next(_ids)}", user, user, kind, body, payload, language_hint="de"
        )
        self.last_id = message.message_id
        await self.queue.accept(message)
        before = len(self.senders[channel].sent)
        await self.engine.handle(message)
        return [reply for _chat, reply in self.senders[channel].sent[before:]]

    async def stream_users(self) -> list[str]:
        """Whose messages the inbound stream holds."""
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self.redis.xrange(self.keys.inbound_stream),
        )
        return [InboundMessage.from_json(f[b"message"]).user_id for _id, f in entries]

    async def crm_events(self) -> list[CrmEvent]:
        """What waits in the CRM outbox."""
        entries = cast(
            list[tuple[bytes, dict[bytes, bytes]]],
            await self.redis.xrange(self.outbox.stream_names.stream),
        )
        return [CrmEvent.from_json(f[b"message"]) for _id, f in entries]


def payloads(reply: Reply) -> list[str]:
    return [button.payload for button in reply.buttons]


def joined(replies: Sequence[Reply]) -> str:
    return "\n".join(reply.text for reply in replies)


@pytest.fixture
def bot(redis: aioredis.Redis) -> Bot:
    """A fresh bot."""
    return Bot(redis)


@pytest.mark.parametrize(
    "message",
    [
        "Auskunft",
        "Datenauskunft",
        "meine Daten",
        "Welche Daten haben Sie über mich gespeichert?",
        "Ich möchte eine Kopie meiner Daten",
        "Auskunft nach Art. 15 DSGVO bitte",
        "export my data",
        "What data do you store about me?",
        "/auskunft",
    ],
)
def test_requests_for_the_customers_data_are_recognised(message: str) -> None:
    assert requested(message) is PrivacyAsk.EXPORT


@pytest.mark.parametrize(
    "message",
    [
        "Daten löschen",
        "Bitte löschen Sie meine Daten!",
        "Löschen Sie alle meine Daten endgültig",
        "delete my data",
        "Please erase my personal data",
        "vergiss mich",
        "/delete",
    ],
)
def test_requests_to_erase_are_recognised(message: str) -> None:
    assert requested(message) is PrivacyAsk.ERASE


@pytest.mark.parametrize(
    "message",
    [
        "Welche Daten brauchen Sie für die Bestellung?",
        "Meine Daten haben sich geändert, neue Adresse",
        "Bitte die Bestellung KR-204815 löschen",
        "Auskunft zur Lieferung",
        "Was kostet der Versand?",
        "Daten",
        "löschen",
    ],
)
def test_other_messages_about_data_or_deleting_are_not_privacy_requests(message: str) -> None:
    assert requested(message) is None


async def test_the_first_reply_names_the_privacy_policy_in_the_customers_language(
    bot: Bot,
) -> None:
    [disclosure, _answer] = await bot.say("Was kostet der Versand?")
    assert disclosure.text == text("disclosure", "de").format(policy_url=POLICY)
    assert POLICY in disclosure.text
    assert "Auskunft" in disclosure.text
    [english, _] = await bot.say("How much is shipping to Berlin?", user="78")
    assert english.text == text("disclosure", "en").format(policy_url=POLICY)


async def test_an_export_request_gets_a_confirm_and_a_cancel_button_while_the_nlu_is_down(
    redis: aioredis.Redis,
) -> None:
    bot = Bot(redis, nlu=DownNlu())
    [_disclosure, offer] = await bot.say("Auskunft über meine Daten")
    assert offer.text == text("privacy_export_offer", "de").format(policy_url=POLICY)
    assert payloads(offer) == [PRIVACY_EXPORT, PRIVACY_CANCEL]
    assert bot.store.transcript[0].intent == "privacy_export"
    assert await bot.handoffs.queue() == []  # no person needed for this


async def test_a_confirmed_export_sends_the_transcript_and_the_verified_customer(
    bot: Bot,
) -> None:
    await bot.say("Was kostet der Versand?")
    await bot.say("KR-204815")  # the order number: the bot asks for the postal code
    await bot.say("34117")  # verified as Schreinerei Holzmann
    conversation = bot.store.conversations[("telegram", "77")]
    handoff = await bot.handoffs.request(
        HandoffRequest(conversation, "m0", HandoffReason.REQUESTED, "de", False)
    )
    await bot.handoffs.claim(handoff.id, "jonas")
    await bot.handoffs.resolve(handoff.id)
    await bot.handoffs.rate(conversation, 5)
    await bot.say("meine Daten")
    replies = await bot.say(payload=PRIVACY_EXPORT)
    summary = joined(replies)
    assert replies[0].text.startswith(text("privacy_export_title", "de"))
    assert "Sie: Was kostet der Versand?" in summary
    assert "Assistent: *Versand* 6,90 €" in summary
    assert "K10001 · Schreinerei Holzmann GmbH" in summary
    assert "p.holzmann@holzmann-schreinerei.example" in summary
    assert text("privacy_export_verified", "de").format(number="K10001") in summary
    assert "• Telegram: 77" in summary
    assert "(Grund: auf Ihren Wunsch) – Ihre Bewertung: 5 von 5" in summary
    assert bot.data.audit == [AuditLine("customer", "privacy.exported", "privacy:chat")]


async def test_a_long_history_comes_in_parts_and_an_earlier_export_is_not_repeated(
    bot: Bot,
) -> None:
    for number in range(60):
        await bot.say(f"Was kostet der Versand nach Berlin, Paket Nummer {number}? " + "x" * 80)
    await bot.say(payload=PRIVACY_EXPORT)
    first = await bot.say(payload=PRIVACY_EXPORT)
    assert len(first) > 1
    assert all(len(reply.text) <= 4096 for reply in first)
    title = text("privacy_export_title", "de")
    assert [reply.text.split("\n")[0] for reply in first] == [
        f"{title} ({i}/{len(first)})" for i in range(1, len(first) + 1)
    ]
    assert all(len(reply.text) <= PART_LENGTH + len(title) + 10 for reply in first)
    assert "Paket Nummer 59?" in joined(first)
    earlier = text("privacy_export_earlier", "de")
    assert f"Assistent: [{earlier}]" in joined(first)
    assert joined(first).count(title) == len(first)  # the earlier export is not inside


async def test_cancelling_leaves_everything_as_it_is(bot: Bot) -> None:
    await bot.say("Was kostet der Versand?")
    [offer] = await bot.say("Daten löschen")
    assert payloads(offer) == [PRIVACY_ERASE, PRIVACY_CANCEL]
    [cancelled] = await bot.say(payload=PRIVACY_CANCEL)
    assert cancelled.text == text("privacy_cancelled", "de")
    assert len(bot.store.transcript) == 7  # question, disclosure, answer, offer, cancel, reply
    assert bot.store.transcript[0].text == "Was kostet der Versand?"
    assert bot.data.audit == []


async def test_a_confirmed_erasure_removes_the_contact_everywhere_and_tells_the_crm(
    bot: Bot,
) -> None:
    await bot.say("Was kostet der Versand?")
    await bot.say("Was kostet der Versand?", user="88")  # another customer stays
    await bot.say("KR-204815")  # verification state in Redis
    handoff = await bot.handoffs.request(
        HandoffRequest(
            bot.store.conversations[("telegram", "77")], "m0", HandoffReason.REQUESTED, "de", False
        )
    )
    await bot.handoffs.claim(handoff.id, "jonas")
    await bot.handoffs.link_crm(handoff.id, "4711")
    await bot.handoffs.resolve(handoff.id)
    chat = "telegram:77"
    assert await bot.redis.exists(bot.keys.verification(chat), bot.keys.dialogue(chat)) == 2
    [_offer] = await bot.say("Bitte löschen Sie meine Daten")
    [done] = await bot.say(payload=PRIVACY_ERASE)
    assert done.text == text("privacy_erased", "de").format(conversations=1, messages=7)
    assert ("telegram", "77") not in bot.store.contacts
    assert ("telegram", "77") not in bot.store.conversations
    assert {line.conversation_id for line in bot.store.transcript} == {
        bot.store.conversations[("telegram", "88")]
    }
    assert await bot.handoffs.get(handoff.id) is None
    assert await bot.redis.exists(bot.keys.verification(chat)) == 0
    # The dialogue memory starts over: all it knows is the confirming press just handled.
    assert await bot.redis.hgetall(bot.keys.dialogue(chat)) == {
        b"message": bot.last_id.encode(),
        b"before": b"0",
        b"misses": b"0",
    }
    # Only the confirming button press is left in the stream (the worker acknowledges it).
    assert sorted(await bot.stream_users()) == ["77", "88"]
    [erased] = [e for e in await bot.crm_events() if e.kind is CrmEventKind.ERASED]
    ms = int(handoff.requested_at.timestamp() * 1000)
    assert erased.erased == ((handoff.id, "4711", f"handoff:{handoff.id}@{ms}"),)
    assert AuditLine("customer", "privacy.erased", "privacy:chat") in bot.data.audit
    [disclosure, _answer] = await bot.say("Was kostet der Versand?")  # a new contact now
    assert disclosure.text.startswith("Hallo!")


async def test_on_whatsapp_an_erasure_keeps_the_reply_window_for_its_confirmation(
    bot: Bot,
) -> None:
    window = bot.keys.whatsapp_window(PETRA_WHATSAPP)
    await bot.redis.set(window, "1")
    await bot.say("Was kostet der Versand?", channel=Channel.WHATSAPP, user=PETRA_WHATSAPP)
    [offer] = await bot.say("delete my data", channel=Channel.WHATSAPP, user=PETRA_WHATSAPP)
    assert payloads(offer) == [PRIVACY_ERASE, PRIVACY_CANCEL]
    [done] = await bot.say(payload=PRIVACY_ERASE, channel=Channel.WHATSAPP, user=PETRA_WHATSAPP)
    assert done.text == text("privacy_erased", done.language).format(conversations=1, messages=5)
    assert bot.store.contacts == {}
    assert await bot.redis.exists(window) == 1


async def test_on_whatsapp_the_export_names_the_customer_of_the_number(bot: Bot) -> None:
    await bot.say("Hallo", channel=Channel.WHATSAPP, user=PETRA_WHATSAPP)
    replies = await bot.say(payload=PRIVACY_EXPORT, channel=Channel.WHATSAPP, user=PETRA_WHATSAPP)
    summary = joined(replies)
    assert f"• WhatsApp: {PETRA_WHATSAPP}" in summary
    assert "K10001 · Schreinerei Holzmann GmbH" in summary
