"""A keyword Nlu for unit tests of code that consumes intents (never for the real bot)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from nlu.ports import Entity, IntentScore, NluResult

_ORDER_ID = re.compile(r"\b(?:kr[- ]?)?\d{6}\b", re.IGNORECASE)


class KeywordNlu:
    """Scores each intent by whether one of its keywords occurs in the text."""

    def __init__(self, keywords: Mapping[str, tuple[str, ...]], ready: bool = True) -> None:
        self._keywords = keywords
        self._ready = ready

    async def parse(self, text: str) -> NluResult:
        """The intent whose keyword occurs gets 0.9; the rest share what is left."""
        lowered = text.lower()
        hits = [name for name, words in self._keywords.items() if any(w in lowered for w in words)]
        ranking = [IntentScore(name, 0.9 / len(hits)) for name in hits]
        rest = [name for name in self._keywords if name not in hits]
        share = (0.1 if hits else 1.0) / max(len(rest), 1)
        ranking += [IntentScore(name, share) for name in rest]
        ranking.sort(key=lambda score: score.confidence, reverse=True)
        entities = tuple(Entity("order_id", m.group(0)) for m in _ORDER_ID.finditer(text))
        return NluResult(text=text, ranking=tuple(ranking), entities=entities)

    async def ready(self) -> bool:
        """Whether this fake pretends to have a model."""
        return self._ready
