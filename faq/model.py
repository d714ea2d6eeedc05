"""FAQ domain types, free of storage and platform details."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FaqEntryData:
    """One FAQ topic in one language, as imported, stored and trained on."""

    slug: str
    language: str
    category: str
    question: str
    answer: str
    examples: tuple[str, ...] = field(default_factory=tuple)
