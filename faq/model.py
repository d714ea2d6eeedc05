"""FAQ domain types, free of storage and platform details."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("de", "en")  # the languages the knowledge base speaks, in display order


@dataclass(frozen=True, slots=True)
class FaqEntryData:
    """One FAQ topic in one language, as imported, stored and trained on."""

    slug: str
    language: str
    category: str
    question: str
    answer: str
    examples: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did, counted in entries (a topic in one language)."""

    added: int
    changed: int
    removed: int
    unchanged: int
