"""The NLU port: what the bot needs from any intent classifier."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class IntentScore:
    """One intent and the model's confidence in it."""

    name: str
    confidence: float


@dataclass(frozen=True, slots=True)
class Entity:
    """A value the model found in the text, such as an order number."""

    name: str
    value: str


@dataclass(frozen=True, slots=True)
class NluResult:
    """The model's reading of one message; ranking is ordered best first."""

    text: str
    ranking: tuple[IntentScore, ...]
    entities: tuple[Entity, ...] = field(default_factory=tuple)

    @property
    def top(self) -> IntentScore:
        """The best intent, or a zero-confidence placeholder for empty input."""
        return self.ranking[0] if self.ranking else IntentScore("nlu_fallback", 0.0)

    @property
    def runner_up(self) -> IntentScore | None:
        """The second-best intent, if any."""
        return self.ranking[1] if len(self.ranking) > 1 else None

    def entity(self, name: str) -> str | None:
        """The first value of an entity, or None."""
        return next((e.value for e in self.entities if e.name == name), None)


class Nlu(Protocol):
    """Intent classification; adapters: Rasa over HTTP (nlu/rasa_client.py), keyword fake."""

    async def parse(self, text: str) -> NluResult:
        """Classify one message; raises NluUnavailableError when the model cannot answer."""
        ...

    async def ready(self) -> bool:
        """True when a model is loaded and parse requests will be answered."""
        ...


class VotesIntent(Protocol):
    """An independent second opinion on a message's intent (nlu/example_index.py)."""

    async def shares(self, text: str) -> dict[str, float]:
        """How it splits the message between intents (empty: no opinion)."""
        ...

    async def prepare(self) -> None:
        """Do the slow setup before the first message needs it."""
        ...
