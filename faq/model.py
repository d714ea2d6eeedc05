"""FAQ domain types, free of storage and platform details."""

from __future__ import annotations

from dataclasses import dataclass, field

LANGUAGES = ("de", "en")  # the languages the knowledge base speaks, in display order
MAX_CATEGORY_NAME = 24  # a WhatsApp list row's title; Telegram buttons show it whole as well
MAX_CATEGORY_SLUG = 32  # faq_entries.category


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
class Category:
    """A group of topics in the customer's menu, named in the knowledge base's languages;
    categories are listed in the order of their `position`."""

    slug: str
    names: dict[str, str] = field(default_factory=dict)  # language -> name
    position: int = 0

    def name(self, language: str) -> str:
        """The name in `language`, else in German, else made from the slug."""
        return (
            self.names.get(language)
            or self.names.get(LANGUAGES[0])
            or self.slug.replace("_", " ").capitalize()
        )


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import did, counted in entries (a topic in one language) by the live table's
    `write_all` and in topics by the editorial import (faq/knowledge_file.py)."""

    added: int
    changed: int
    removed: int
    unchanged: int
