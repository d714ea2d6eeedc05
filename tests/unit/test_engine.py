"""The engine against fakes of its ports (and a real Redis for locks and sent-markers)."""

from __future__ import annotations

import itertools

import pytest
import redis.asyncio as aioredis

from bot.engine import Engine, EngineConfig
from bot.errors import DeliveryError, NluUnavailableError
from bot.keys import Keys
from bot.memory_conversations import MemoryConversationStore
from bot.messages import Channel, InboundKind, InboundMessage
from bot.privacy import DEFAULT_POLICY_URL
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.business_hours import BusinessHours
from crm_bridge.handoff import HandoffReason
from faq.memory_store import MemoryFaqRepository
from faq.model import Category, FaqEntryData
from handlers.payloads import CANCEL_HANDOFF
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
CATEGORIES = [Category("shipping", {"de": "Versand & Lieferung", "en": "Shipping & delivery"})]
FAQ = [
    FaqEntryData("shipping_costs", "de", "shipping", "Was kostet der Versand?", "*Versand* 6,90 €"),
    FaqEntryData(
        "shipping_costs", "en", "shipping", "How much is shipping?", "*Shipping* EUR 6.90"
    ),
    FaqEntryData("delivery_time", "de", "shipping", "Wie lange dauert es?", "1-2 Werktage"),
    FaqEntryData("delivery_time", "en", "shipping", "How long does it take?", "1-2 working days"),
]
KEYWORDS = {
    "shipping_costs": ("versand", "shipping"),
    "delivery_time": ("lange", "how long"),
    "greet": ("hallo", "hello"),
    "out_of_scope": ("wetter", "weather"),
}
LANGUAGES = LanguageDetector()
DISCLOSURE = text("disclosure", "de").format(policy_url=DEFAULT_POLICY_URL)


class BrokenNlu:
    """An NLU server that is down."""

    async def parse(self, text: str) -> NluResult:
        """Always unavailable."""
        raise NluUnavailableError("down")

    async def ready(self) -> bool:
        """Never ready."""
        return False


def message(
    text: str = "",
    kind: InboundKind = InboundKind.TEXT,
    payload: str = "",
    callback_id: str | None = None,
) -> InboundMessage:
    """An inbound Telegram message from one user in their private chat."""
    return InboundMessage(
        Channel.TELEGRAM, str(next(_ids)), "77", "77", kind, text, payload, callback_id=callback_id
    )


class Harness:
    """An engine wired to fakes, with the fakes at hand."""

    def __init__(self, redis: aioredis.Redis, nlu: object = None) -> None:
        self.store = MemoryConversationStore()
        self.sender = RecordingSender()
        self.opinion = FixedOpinion()
        self.handoffs = MemoryHandoffDesk()
        self.engine = Engine(
            store=self.store,
            reader=MessageReader(
                nlu or KeywordNlu(KEYWORDS),  # type: ignore[arg-type]
                self.opinion,
                Thresholds(0.6, 0.2),
            ),
            faq=MemoryFaqRepository(FAQ, CATEGORIES),
            orders=MemoryOrderProvider(load_customers(), load_orders()),
            handoffs=self.handoffs,
            business_hours=BusinessHours(),
            languages=LANGUAGES,
            senders={Channel.TELEGRAM: self.sender},
            redis=redis,
            keys=Keys(prefix=f"t{next(_ids)}"),
            config=EngineConfig(lock_seconds=5, sent_marker_ttl=60, retry_base_delay=0.001),
        )


@pytest.fixture
def harness(redis: aioredis.Redis) -> Harness:
    """A fresh engine with fakes."""
    return Harness(redis)


async def test_a_new_contact_is_told_it_is_a_bot_then_gets_the_answer(harness: Harness) -> None:
    await harness.engine.handle(message("Was kostet der Versand?"))
    assert harness.sender.texts == [DISCLOSURE, "*Versand* 6,90 €"]


async def test_only_the_first_reply_to_a_contact_carries_the_disclosure(harness: Harness) -> None:
    await harness.engine.handle(message("Was kostet der Versand?"))
    await harness.engine.handle(message("Wie lange dauert die Lieferung?"))
    assert harness.sender.texts[2:] == ["1-2 Werktage"]


async def test_an_english_question_is_answered_in_english_and_remembered(harness: Harness) -> None:
    await harness.engine.handle(message("How much is shipping to Berlin?"))
    assert harness.sender.texts[-1] == "*Shipping* EUR 6.90"
    assert list(harness.store.languages.values()) == ["en"]
    await harness.engine.handle(message("hello"))  # too short to tell: stays English
    assert harness.sender.texts[-1] == text("greet", "en")


async def test_the_customer_can_switch_language(harness: Harness) -> None:
    await harness.engine.handle(message("How much is shipping to Berlin?"))
    await harness.engine.handle(message("Was kostet der Versand nach Berlin?"))
    assert harness.sender.texts[-1] == "*Versand* 6,90 €"


@pytest.mark.parametrize("request_", ["English please", "can we speak english?", "/en"])
async def test_asking_for_english_switches_and_the_choice_is_remembered(
    harness: Harness, request_: str
) -> None:
    await harness.engine.handle(message("Was kostet der Versand?"))
    await harness.engine.handle(message(request_))
    assert harness.sender.texts[-1] == text("language_switched", "en")
    await harness.engine.handle(message("Versand?"))  # one word: the remembered language
    assert harness.sender.texts[-1] == "*Shipping* EUR 6.90"


async def test_the_menus_language_button_switches_to_german(harness: Harness) -> None:
    await harness.engine.handle(message("How much is shipping to Berlin?"))
    await harness.engine.handle(message(kind=InboundKind.BUTTON, payload="lang:de"))
    assert harness.sender.texts[-1] == text("language_switched", "de")
    await harness.engine.handle(message("shipping?"))
    assert harness.sender.texts[-1] == "*Versand* 6,90 €"


async def test_a_pressed_button_is_acknowledged_and_answered(harness: Harness) -> None:
    press = message(kind=InboundKind.BUTTON, payload="faq:delivery_time", callback_id="cb1")
    await harness.engine.handle(press)
    assert harness.sender.acknowledged == ["cb1"]
    assert harness.sender.texts[-1] == "1-2 Werktage"


async def test_a_first_miss_asks_to_rephrase_a_second_in_a_row_hands_over_to_a_person(
    harness: Harness,
) -> None:
    await harness.engine.handle(message("Wie wird das Wetter?"))
    first = harness.sender.sent[-1][1]
    assert first.text == text("fallback", "de")
    assert [b.payload for b in first.buttons] == ["menu"]
    assert await harness.handoffs.queue() == []
    await harness.engine.handle(message("Und das Wetter übermorgen?"))
    second = harness.sender.sent[-1][1]
    assert second.text.startswith(text("fallback_handoff", "de"))
    assert [b.payload for b in second.buttons] == [CANCEL_HANDOFF]  # the customer may withdraw
    [queued] = await harness.handoffs.queue()
    assert queued.request.reason is HandoffReason.NOT_UNDERSTOOD


async def test_an_understood_message_resets_the_misses(harness: Harness) -> None:
    await harness.engine.handle(message("Wie wird das Wetter?"))
    await harness.engine.handle(message("Was kostet der Versand?"))
    await harness.engine.handle(message("Und das Wetter?"))
    assert harness.sender.texts[-1] == text("fallback", "de")


async def test_a_redelivered_miss_composes_the_same_reply(harness: Harness) -> None:
    miss = message("Wie wird das Wetter?")
    await harness.engine.handle(miss)
    await harness.engine.handle(miss)  # the worker retries after a crash before the ack
    assert harness.sender.texts == [DISCLOSURE, text("fallback", "de")]


@pytest.mark.parametrize("words", ["/start", "Menü", "menu", "  Hilfe! ", "MENUE"])
async def test_the_menu_lists_categories_and_a_person(harness: Harness, words: str) -> None:
    await harness.engine.handle(message(words))
    menu = harness.sender.sent[-1][1]
    assert menu.text == text("menu", "de")
    assert [b.payload for b in menu.buttons] == ["cat:shipping", "handoff", "lang:en"]
    assert menu.buttons[0].title == "Versand & Lieferung"


async def test_a_category_lists_its_questions_with_a_way_back(harness: Harness) -> None:
    await harness.engine.handle(message(kind=InboundKind.BUTTON, payload="cat:shipping"))
    topics = harness.sender.sent[-1][1]
    assert [b.payload for b in topics.buttons] == [
        "faq:delivery_time",
        "faq:shipping_costs",
        "menu",
        "handoff",
    ]
    assert topics.buttons[1].title == "Was kostet der Versand?"


async def test_menu_words_inside_a_question_are_not_the_menu(harness: Harness) -> None:
    await harness.engine.handle(message("Was kostet der Versand? Menü bitte nicht"))
    assert harness.sender.texts[-1] == "*Versand* 6,90 €"


async def test_unsupported_messages_get_a_polite_answer(harness: Harness) -> None:
    await harness.engine.handle(message(kind=InboundKind.UNSUPPORTED))
    assert harness.sender.texts[-1] == text("unsupported", "de")


async def test_a_customer_who_blocked_the_bot_gets_nothing(harness: Harness) -> None:
    await harness.engine.handle(message("hallo"))
    await harness.engine.handle(message(kind=InboundKind.BLOCKED))
    assert len(harness.store.blocked) == 1
    assert len(harness.sender.sent) == 2  # only the earlier greeting and its disclosure


async def test_an_nlu_outage_hands_the_message_to_a_person_not_silence(
    redis: aioredis.Redis,
) -> None:
    harness = Harness(redis, nlu=BrokenNlu())
    await harness.engine.handle(message("Was kostet der Versand?"))
    assert harness.sender.texts[0] == DISCLOSURE
    assert harness.sender.texts[-1].startswith(text("nlu_unavailable", "de"))
    [queued] = await harness.handoffs.queue()
    assert queued.request.reason is HandoffReason.BOT_UNAVAILABLE


async def test_the_transcript_has_both_directions_and_the_intent(harness: Harness) -> None:
    await harness.engine.handle(message("Was kostet der Versand?"))
    lines = [(line.direction, line.intent) for line in harness.store.transcript]
    assert lines == [("in", "shipping_costs"), ("out", None), ("out", None)]


async def test_transient_delivery_failures_are_retried(harness: Harness) -> None:
    harness.sender.fail_next = 2
    await harness.engine.handle(message("Was kostet der Versand?"))
    assert harness.sender.texts == [DISCLOSURE, "*Versand* 6,90 €"]


async def test_after_a_failed_delivery_a_retry_sends_only_what_is_missing(
    harness: Harness,
) -> None:
    inbound = message("Wie lange dauert die Lieferung?")
    await harness.engine.handle(message("hallo"))
    harness.sender.fail_next = 4  # every attempt of the answer fails
    with pytest.raises(DeliveryError):
        await harness.engine.handle(inbound)
    sent_before = len(harness.sender.sent)
    await harness.engine.handle(inbound)  # the worker redelivers the same stream entry
    await harness.engine.handle(inbound)  # and once more: still nothing twice
    assert harness.sender.texts[sent_before:] == ["1-2 Werktage"]


async def test_a_permanent_refusal_is_not_retried(harness: Harness) -> None:
    harness.sender.fail_next, harness.sender.permanent = 1, True
    with pytest.raises(DeliveryError) as raised:
        await harness.engine.handle(message("hallo"))
    assert raised.value.permanent
    assert harness.sender.attempts == 1


async def test_when_the_second_opinion_disagrees_the_bot_asks_instead_of_guessing(
    harness: Harness,
) -> None:
    harness.opinion.intent = "delivery_time"
    await harness.engine.handle(message("Was kostet der Versand?"))
    question = harness.sender.sent[-1][1]
    assert question.text == text("clarify", "de")
    # The blended ranking puts the examples' topic just ahead: both are offered, closest first.
    assert [b.payload for b in question.buttons] == [
        "faq:delivery_time",
        "faq:shipping_costs",
        "handoff",
    ]


async def test_a_photo_without_words_is_acknowledged_and_a_person_offered(
    harness: Harness,
) -> None:
    photo = message(kind=InboundKind.MEDIA, payload="photo:F1")
    await harness.engine.handle(photo)
    reply = harness.sender.sent[-1][1]
    assert reply.text == text("media_received", "de")
    assert [b.payload for b in reply.buttons] == ["handoff"]


async def test_a_photo_with_a_caption_is_answered_by_its_caption(harness: Harness) -> None:
    await harness.engine.handle(
        message("Was kostet der Versand?", kind=InboundKind.MEDIA, payload="photo:F2")
    )
    assert harness.sender.texts[-1] == "*Versand* 6,90 €"


async def test_a_reaction_is_kept_but_not_answered(harness: Harness) -> None:
    await harness.engine.handle(message("Was kostet der Versand?"))
    sent = len(harness.sender.sent)
    await harness.engine.handle(message("👍", kind=InboundKind.REACTION, payload="wamid.ours"))
    await harness.engine.handle(message("", kind=InboundKind.REACTION, payload="wamid.ours"))
    assert len(harness.sender.sent) == sent
    assert [line.text for line in harness.store.transcript if line.direction == "in"][-2:] == [
        "👍",
        "",  # taken back
    ]


async def test_a_customer_who_blocked_the_bot_is_marked_and_not_retried(harness: Harness) -> None:
    await harness.engine.handle(message("Was kostet der Versand?"))
    contact = next(iter(harness.store.contacts.values()))
    harness.sender.fail_next, harness.sender.blocked = 1, True
    with pytest.raises(DeliveryError) as refused:
        await harness.engine.handle(message("Wie lange dauert es?"))
    assert refused.value.permanent  # the worker acknowledges it: no retry
    assert contact in harness.store.blocked
    assert harness.sender.attempts == 3  # two earlier replies, then one try only
