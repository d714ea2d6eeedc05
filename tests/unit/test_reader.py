"""The message reader: the whole message first, its questions when the whole is unclear."""

from __future__ import annotations

from collections.abc import Mapping

from nlu.decision import Action, Thresholds
from nlu.ports import Entity, IntentScore, NluResult
from nlu.reader import MAX_FOCUSED_SENTENCES, MessageReader, focus_sentences
from tests.fakes import FixedOpinion

FAQ_SLUGS = frozenset({"shipping_costs", "delivery_time"})


class ScriptedNlu:
    """Returns a scripted ranking per exact text (anything else: out of scope, unsure) and
    remembers what it was asked."""

    def __init__(self, script: Mapping[str, Mapping[str, float]]) -> None:
        self._script = script
        self.parsed: list[str] = []

    async def parse(self, text: str) -> NluResult:
        """The scripted ranking, best first; an order number is found anywhere."""
        self.parsed.append(text)
        scores = self._script.get(text, {"out_of_scope": 0.3, "greet": 0.25})
        ranking = tuple(
            IntentScore(name, confidence)
            for name, confidence in sorted(scores.items(), key=lambda item: -item[1])
        )
        entities = (Entity("order_id", "KR-204815"),) if "KR-204815" in text else ()
        return NluResult(text, ranking, entities)

    async def ready(self) -> bool:
        """Always ready."""
        return True


def reader(nlu: ScriptedNlu) -> MessageReader:
    """A reader without a second opinion, so the scripted rankings decide alone."""
    return MessageReader(nlu, FixedOpinion(), Thresholds(0.6, 0.2))


async def test_a_clear_message_is_decided_on_the_whole_with_one_parse() -> None:
    text = "Hallo. Was kostet der Versand?"
    nlu = ScriptedNlu({text: {"shipping_costs": 0.9, "greet": 0.05}})
    reading = await reader(nlu).read(text, FAQ_SLUGS)
    assert (reading.decision.action, reading.decision.faq) == (Action.ANSWER_FAQ, "shipping_costs")
    assert nlu.parsed == [text]


async def test_context_around_the_question_does_not_hide_it() -> None:
    text = "Guten Morgen, wir sind ein Dachdecker aus Hamburg. Was kostet der Versand?"
    nlu = ScriptedNlu(
        {
            text: {"greet": 0.4, "shipping_costs": 0.35},
            "Was kostet der Versand?": {"shipping_costs": 0.92},
        }
    )
    reading = await reader(nlu).read(text, FAQ_SLUGS)
    assert (reading.decision.action, reading.decision.faq) == (Action.ANSWER_FAQ, "shipping_costs")
    assert nlu.parsed == [text, "Was kostet der Versand?"]  # the statement is not asked


async def test_a_greeting_around_a_question_does_not_win_over_the_question() -> None:
    text = "Hallo zusammen! Wie lange dauert die Lieferung nach Wien?"
    nlu = ScriptedNlu(
        {
            text: {"greet": 0.8, "delivery_time": 0.1},
            "Wie lange dauert die Lieferung nach Wien?": {"delivery_time": 0.85},
        }
    )
    reading = await reader(nlu).read(text, FAQ_SLUGS)
    assert reading.decision.faq == "delivery_time"


async def test_the_order_number_is_kept_from_the_whole_message() -> None:
    text = "Es geht um KR-204815, bestellt letzte Woche. Wo bleibt die Lieferung?"
    nlu = ScriptedNlu(
        {
            text: {"order_status": 0.45, "delivery_time": 0.4},
            "Wo bleibt die Lieferung?": {"order_status": 0.9},
        }
    )
    reading = await reader(nlu).read(text, FAQ_SLUGS)
    assert reading.decision.action is Action.ORDER_STATUS
    assert reading.result.entity("order_id") == "KR-204815"


async def test_when_no_question_is_clear_either_the_whole_decides() -> None:
    text = "Wir haben da so eine Sache. Können Sie helfen?"
    nlu = ScriptedNlu({text: {"out_of_scope": 0.4, "shipping_costs": 0.3}})
    reading = await reader(nlu).read(text, FAQ_SLUGS)
    assert reading.decision.action is Action.FALLBACK
    assert reading.decision.intent == "out_of_scope"


async def test_a_question_between_two_topics_is_asked_back_instead_of_a_fallback() -> None:
    text = "Wir sind aus Linz. Wie ist das mit Versand nach Österreich?"
    nlu = ScriptedNlu(
        {
            text: {"out_of_scope": 0.4, "shipping_costs": 0.3},
            "Wie ist das mit Versand nach Österreich?": {
                "shipping_costs": 0.45,
                "delivery_time": 0.4,
            },
        }
    )
    reading = await reader(nlu).read(text, FAQ_SLUGS)
    assert reading.decision.action is Action.CLARIFY
    assert reading.decision.alternatives == ("shipping_costs", "delivery_time")


def test_a_single_sentence_is_not_split() -> None:
    assert focus_sentences("Was kostet der Versand nach Wien?") == []
    assert focus_sentences("Hallo! Versand?") == []  # one-word fragments carry no request


def test_questions_are_preferred_over_statements() -> None:
    text = "Moin, wir bauen in Kiel.\nGeht Lieferung bis Freitag? Und was kostet das?"
    assert focus_sentences(text) == ["Geht Lieferung bis Freitag?", "Und was kostet das?"]
    assert focus_sentences("Paket kam nicht an. Ich bin sauer.") == [
        "Paket kam nicht an.",
        "Ich bin sauer.",
    ]


def test_a_long_essay_is_read_only_by_its_last_questions() -> None:
    text = " ".join(f"Frage Nummer {n}?" for n in range(20))
    focused = focus_sentences(text)
    assert len(focused) == MAX_FOCUSED_SENTENCES
    assert focused[-1] == "Frage Nummer 19?"
