"""From a customer's text to the bot's decision, in one place for the live bot and for
`servicebot nlu predict`: the model's ranking, the nearest examples' vote and the policy.

Customers on a building site often wrap their question in context ("Good morning, we are an
installer in Lyon. How many days to France?"). Over the whole message the greeting and the
context dilute the model's confidence, so when the whole gives no confident decision the
reader decides on the message's questions alone (measured on nlu/evaluation/dev.yaml: 4 more
long messages answered correctly, no new wrong answer)."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from nlu.decision import ACTING, SMALLTALK_INTENTS, Action, Decision, Thresholds, decide
from nlu.ports import Nlu, NluResult, VotesIntent

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+|\n+")
# A pasted essay must not turn into dozens of parses; the question usually comes last.
MAX_FOCUSED_SENTENCES = 4


def focus_sentences(text: str) -> list[str]:
    """The sentences of a long message that carry its request: its questions if it asks
    any, else all of its sentences. Empty for a message of one sentence."""
    sentences = [part.strip() for part in _SENTENCE_BREAK.split(text) if len(part.split()) >= 2]
    if len(sentences) < 2:
        return []
    questions = [sentence for sentence in sentences if sentence.endswith("?")]
    return (questions or sentences)[-MAX_FOCUSED_SENTENCES:]


@dataclass(frozen=True, slots=True)
class Reading:
    """The model's reading of the whole message (its entities, such as an order number,
    wherever they occur) and the decision the bot acts on."""

    result: NluResult
    decision: Decision


class MessageReader:
    """Decides what a customer's message asks for."""

    def __init__(self, nlu: Nlu, second_opinion: VotesIntent, thresholds: Thresholds) -> None:
        self._nlu = nlu
        self._second_opinion = second_opinion
        self._thresholds = thresholds

    async def prepare(self) -> None:
        """The slow setup (the example index) done before the first message."""
        await self._second_opinion.prepare()

    async def read(self, text: str, faq_slugs: Collection[str]) -> Reading:
        """Decide on the whole message; if that is unclear or only small talk, on its
        questions; a confident question wins, else a clarifying one, else the whole."""
        result = await self._nlu.parse(text)
        whole = await self._decide(result, faq_slugs)
        if _is_request(whole):
            return Reading(result, whole)
        focused = [
            await self._decide(await self._nlu.parse(sentence), faq_slugs)
            for sentence in focus_sentences(text)
        ]
        requests = [decision for decision in focused if _is_request(decision)]
        clarifying = [decision for decision in focused if decision.action is Action.CLARIFY]
        if requests:
            return Reading(result, max(requests, key=lambda decision: decision.confidence))
        if clarifying and whole.action is Action.FALLBACK:
            return Reading(result, max(clarifying, key=lambda decision: decision.confidence))
        return Reading(result, whole)

    async def _decide(self, result: NluResult, faq_slugs: Collection[str]) -> Decision:
        shares = await self._second_opinion.shares(result.text)
        return decide(result, faq_slugs, self._thresholds, shares)


def _is_request(decision: Decision) -> bool:
    """The bot commits to something the customer asks for (not just a hello or thanks)."""
    return decision.action in ACTING and decision.intent not in SMALLTALK_INTENTS
