"""The decision policy: what the bot does with a model's ranking. Used by the live bot and
by `servicebot nlu predict`, so that what we evaluate is what customers get."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from nlu.ports import IntentScore, NluResult


class Action(StrEnum):
    """What the bot does with a message (names are part of the operator contract)."""

    ANSWER_FAQ = "answer_faq"
    ORDER_STATUS = "order_status"
    HANDOFF = "handoff"
    CLARIFY = "clarify"
    FALLBACK = "fallback"
    SMALLTALK = "smalltalk"


SMALLTALK_INTENTS = frozenset({"greet", "goodbye", "thanks"})
HANDOFF_INTENTS = frozenset({"human_handoff", "complaint"})
ORDER_INTENTS = frozenset({"order_status"})


# Actions that commit to an intent in front of the customer; clarify and fallback do not.
ACTING = frozenset({Action.ANSWER_FAQ, Action.ORDER_STATUS, Action.HANDOFF, Action.SMALLTALK})


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Confidence the top intent needs, how far ahead of the second it must be, and how much
    the nearest training examples weigh against the model in the blended ranking."""

    confidence: float
    margin: float
    example_weight: float = 0.5


@dataclass(frozen=True, slots=True)
class Decision:
    """The action, the intent it came from, and the FAQ slug(s) involved."""

    action: Action
    intent: str
    confidence: float
    faq: str | None = None
    alternatives: tuple[str, ...] = ()  # FAQ slugs offered when clarifying


def decide(
    result: NluResult,
    faq_slugs: Collection[str],
    thresholds: Thresholds,
    example_shares: Mapping[str, float] | None = None,
) -> Decision:
    """Blend the model's ranking with the nearest training examples' vote; act only on a
    confident intent that is clearly ahead and that the examples favour too; ask when two FAQ
    topics compete."""
    if not example_shares:
        return _decide_on_model(result, faq_slugs, thresholds)
    blended = replace(result, ranking=blend(result.ranking, example_shares, thresholds))
    decision = _decide_on_model(blended, faq_slugs, thresholds)
    favoured = max(example_shares, key=example_shares.__getitem__)
    if decision.action not in ACTING or favoured == decision.intent:
        return decision
    if decision.intent in faq_slugs and favoured in faq_slugs:
        return Decision(
            Action.CLARIFY,
            decision.intent,
            decision.confidence,
            alternatives=(decision.intent, favoured),
        )
    return Decision(Action.FALLBACK, decision.intent, decision.confidence)


def blend(
    ranking: Sequence[IntentScore], example_shares: Mapping[str, float], thresholds: Thresholds
) -> tuple[IntentScore, ...]:
    """The model's confidences mixed with the examples' shares, best first."""
    weight = thresholds.example_weight
    model = {score.name: score.confidence for score in ranking}
    mixed = (
        IntentScore(
            name, (1 - weight) * model.get(name, 0.0) + weight * example_shares.get(name, 0.0)
        )
        for name in model.keys() | example_shares.keys()
    )
    return tuple(sorted(mixed, key=lambda score: (-score.confidence, score.name)))


def _decide_on_model(
    result: NluResult, faq_slugs: Collection[str], thresholds: Thresholds
) -> Decision:
    top, second = result.top, result.runner_up
    gap = top.confidence - (second.confidence if second else 0.0)
    if (
        second is not None
        and top.name in faq_slugs
        and second.name in faq_slugs
        and gap < thresholds.margin
        and top.confidence + second.confidence >= thresholds.confidence
    ):
        return Decision(
            Action.CLARIFY, top.name, top.confidence, alternatives=(top.name, second.name)
        )
    if top.confidence < thresholds.confidence or gap < thresholds.margin:
        return Decision(Action.FALLBACK, top.name, top.confidence)
    if top.name in faq_slugs:
        return Decision(Action.ANSWER_FAQ, top.name, top.confidence, faq=top.name)
    if top.name in SMALLTALK_INTENTS:
        return Decision(Action.SMALLTALK, top.name, top.confidence)
    if top.name in HANDOFF_INTENTS:
        return Decision(Action.HANDOFF, top.name, top.confidence)
    if top.name in ORDER_INTENTS:
        return Decision(Action.ORDER_STATUS, top.name, top.confidence)
    return Decision(Action.FALLBACK, top.name, top.confidence)  # out_of_scope and unknowns
