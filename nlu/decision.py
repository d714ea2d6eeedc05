"""The decision policy: what the bot does with a model's ranking. Used by the live bot and
by `servicebot nlu predict`, so that what we evaluate is what customers get."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from nlu.ports import NluResult


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
    """Confidence the top intent needs, and how far ahead of the second it must be."""

    confidence: float
    margin: float


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
    second_opinion: str | None = None,
) -> Decision:
    """Act only on a confident intent that is clearly ahead and that the second opinion (the
    nearest training examples) shares; ask when two FAQ topics compete."""
    decision = _decide_on_model(result, faq_slugs, thresholds)
    if decision.action not in ACTING or second_opinion in (None, decision.intent):
        return decision
    if decision.intent in faq_slugs and second_opinion in faq_slugs:
        return Decision(
            Action.CLARIFY,
            decision.intent,
            decision.confidence,
            alternatives=(decision.intent, str(second_opinion)),
        )
    return Decision(Action.FALLBACK, decision.intent, decision.confidence)


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
