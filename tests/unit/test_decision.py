"""The decision policy: confident and clearly ahead, or ask, or fall back."""

from __future__ import annotations

import pytest

from nlu.decision import Action, Thresholds, blend, decide
from nlu.ports import IntentScore, NluResult

FAQ = frozenset({"shipping_costs", "delivery_time", "delivery_countries"})
THRESHOLDS = Thresholds(confidence=0.6, margin=0.2)


def ranked(*scores: tuple[str, float]) -> NluResult:
    """An NLU result with the given ranking."""
    return NluResult("text", tuple(IntentScore(name, c) for name, c in scores))


@pytest.mark.parametrize(
    ("scores", "action", "faq"),
    [
        ((("shipping_costs", 0.95), ("delivery_time", 0.03)), Action.ANSWER_FAQ, "shipping_costs"),
        ((("greet", 0.9), ("thanks", 0.05)), Action.SMALLTALK, None),
        ((("thanks", 0.8), ("greet", 0.1)), Action.SMALLTALK, None),
        ((("order_status", 0.85), ("delivery_time", 0.1)), Action.ORDER_STATUS, None),
        ((("human_handoff", 0.7), ("greet", 0.1)), Action.HANDOFF, None),
        ((("complaint", 0.9), ("returns", 0.05)), Action.HANDOFF, None),
        ((("out_of_scope", 0.99), ("greet", 0.01)), Action.FALLBACK, None),
        ((("brand_new_intent", 0.99),), Action.FALLBACK, None),
        # not confident enough
        ((("shipping_costs", 0.55), ("greet", 0.2)), Action.FALLBACK, None),
        # confident but not clearly ahead of a non-FAQ runner-up
        ((("shipping_costs", 0.6), ("order_status", 0.45)), Action.FALLBACK, None),
        # two FAQ topics close together: ask which one
        ((("delivery_time", 0.5), ("delivery_countries", 0.42)), Action.CLARIFY, None),
        # two FAQ topics close but both weak: fall back instead of asking
        ((("delivery_time", 0.3), ("delivery_countries", 0.25)), Action.FALLBACK, None),
        ((), Action.FALLBACK, None),
    ],
)
def test_decisions(scores: tuple[tuple[str, float], ...], action: Action, faq: str | None) -> None:
    decision = decide(ranked(*scores), FAQ, THRESHOLDS)
    assert decision.action is action
    assert decision.faq == faq


def test_clarify_offers_the_two_close_topics_best_first() -> None:
    decision = decide(ranked(("delivery_time", 0.5), ("delivery_countries", 0.42)), FAQ, THRESHOLDS)
    assert decision.alternatives == ("delivery_time", "delivery_countries")


def test_thresholds_come_from_the_caller() -> None:
    result = ranked(("shipping_costs", 0.7), ("greet", 0.1))
    assert decide(result, FAQ, Thresholds(0.6, 0.2)).action is Action.ANSWER_FAQ
    assert decide(result, FAQ, Thresholds(0.8, 0.2)).action is Action.FALLBACK
    assert decide(result, FAQ, Thresholds(0.6, 0.65)).action is Action.FALLBACK


def test_the_blend_mixes_model_confidence_and_example_shares() -> None:
    blended = blend(
        ranked(("shipping_costs", 0.8), ("delivery_time", 0.2)).ranking,
        {"delivery_time": 0.75, "greet": 0.25},
        Thresholds(0.6, 0.2, example_weight=0.5),
    )
    assert [(s.name, round(s.confidence, 3)) for s in blended] == [
        ("delivery_time", 0.475),
        ("shipping_costs", 0.4),
        ("greet", 0.125),
    ]


@pytest.mark.parametrize(
    ("shares", "action", "alternatives"),
    [
        (None, Action.ANSWER_FAQ, ()),  # no examples to compare: the model decides
        ({"shipping_costs": 1.0}, Action.ANSWER_FAQ, ()),  # agreement
        # the examples lean to another FAQ topic: ask which one
        (
            {"delivery_time": 0.6, "shipping_costs": 0.4},
            Action.CLARIFY,
            ("shipping_costs", "delivery_time"),
        ),
        # FAQ by the model, order status by the examples: do not guess
        ({"order_status": 0.6, "shipping_costs": 0.4}, Action.FALLBACK, ()),
    ],
)
def test_the_nearest_examples_must_favour_the_intent_the_bot_acts_on(
    shares: dict[str, float] | None, action: Action, alternatives: tuple[str, ...]
) -> None:
    result = ranked(("shipping_costs", 0.95), ("delivery_time", 0.03))
    decision = decide(result, FAQ, THRESHOLDS, shares)
    assert decision.action is action
    assert decision.alternatives == alternatives


def test_a_hesitant_model_and_unanimous_examples_together_answer() -> None:
    result = ranked(("shipping_costs", 0.45), ("greet", 0.3))
    assert decide(result, FAQ, THRESHOLDS).action is Action.FALLBACK
    assert decide(result, FAQ, THRESHOLDS, {"shipping_costs": 1.0}).action is Action.ANSWER_FAQ


def test_examples_alone_cannot_make_the_bot_act() -> None:
    result = ranked(("out_of_scope", 0.9), ("shipping_costs", 0.05))
    decision = decide(result, FAQ, THRESHOLDS, {"shipping_costs": 1.0})
    assert decision.action is Action.FALLBACK
