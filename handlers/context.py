"""What a handler gets besides the message: the decision, the language and the ports."""

from __future__ import annotations

from dataclasses import dataclass

from faq.ports import FaqRepository
from nlu.decision import Decision
from nlu.ports import NluResult


@dataclass(frozen=True, slots=True)
class HandlerContext:
    """Everything a handler may use; handlers never reach for anything else."""

    language: str
    faq: FaqRepository
    decision: Decision | None = None
    nlu: NluResult | None = None
    misses_in_a_row: int = 0  # earlier consecutive messages the bot did not understand
