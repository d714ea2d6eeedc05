"""What a knowledge-base file holds (faq/exchange.py reads and writes it as YAML or CSV):
every wording, the categories in menu order, each topic's facts; and the checks a file
passes before anything of it is imported, each problem named with its place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from faq.editorial import MAX_OWNER, MAX_QUESTION, SLUG_PATTERN, TopicContent, Wording
from faq.model import LANGUAGES, MAX_CATEGORY_NAME, MAX_CATEGORY_SLUG, Category, FaqEntryData


@dataclass(frozen=True, slots=True)
class TopicFacts:
    """What a file says about a topic besides its category and wordings."""

    owner: str = ""
    last_reviewed: date | None = None
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class KnowledgeBase:
    """What a file holds: every wording (disabled topics' too), the categories in menu
    order, and each topic's facts (by slug; a topic without them has the defaults)."""

    entries: list[FaqEntryData]
    categories: list[Category] = field(default_factory=list)
    facts: dict[str, TopicFacts] = field(default_factory=dict)

    def topics(self) -> dict[str, TopicContent]:
        """The topics by slug, as the editorial side keeps them."""
        by_slug: dict[str, list[FaqEntryData]] = {}
        for entry in self.entries:
            by_slug.setdefault(entry.slug, []).append(entry)
        topics = {}
        for slug, entries in sorted(by_slug.items()):
            facts = self.facts.get(slug, TopicFacts())
            topics[slug] = TopicContent(
                category=entries[0].category,
                wordings={e.language: Wording(e.question, e.answer, e.examples) for e in entries},
                enabled=facts.enabled,
                owner=facts.owner,
                last_reviewed=facts.last_reviewed,
            )
        return topics

    def answered(self) -> list[FaqEntryData]:
        """The entries of the enabled topics: what the bot answers and trains on."""
        return [e for e in self.entries if self.facts.get(e.slug, TopicFacts()).enabled]

    @classmethod
    def of(
        cls, topics: Mapping[str, TopicContent], categories: Sequence[Category]
    ) -> KnowledgeBase:
        """The file's view of these topics."""
        entries = [
            FaqEntryData(slug, language, content.category, w.question, w.answer, w.examples)
            for slug, content in topics.items()
            for language, w in content.wordings.items()
        ]
        facts = {
            slug: TopicFacts(content.owner, content.last_reviewed, content.enabled)
            for slug, content in topics.items()
        }
        return cls(entries, list(categories), facts)


class ExchangeError(ValueError):
    """A file that cannot be imported; `problems` say where and why (nothing was written)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def read_facts(
    owner: str, reviewed: object, enabled: object, where: str, problems: list[str]
) -> TopicFacts:
    """A topic's facts as a file gives them (a review date as a date or "YYYY-MM-DD", enabled
    as a boolean or true/false); what is malformed becomes a problem."""
    if len(owner.strip()) > MAX_OWNER:
        problems.append(f"{where}: an owner has at most {MAX_OWNER} characters")
    last_reviewed = None
    if isinstance(reviewed, date):
        last_reviewed = reviewed
    elif reviewed not in (None, ""):
        try:
            last_reviewed = date.fromisoformat(str(reviewed).strip())
        except ValueError:
            problems.append(f"{where}: last_reviewed is a date like 2026-11-30")
    if isinstance(enabled, str):
        enabled = {"true": True, "false": False, "": True}.get(enabled.strip().lower(), enabled)
    if not isinstance(enabled, bool):
        problems.append(f"{where}: enabled is true or false")
        enabled = True
    return TopicFacts(owner.strip(), last_reviewed, enabled)


def checked_categories(
    categories: list[tuple[Category, str]], problems: list[str]
) -> list[Category]:
    seen: set[str] = set()
    for category, where in categories:
        if not SLUG_PATTERN.fullmatch(category.slug) or len(category.slug) > MAX_CATEGORY_SLUG:
            problems.append(f"{where}: a category is 2-32 lower-case letters, digits or _")
        if category.slug in seen:
            problems.append(f"{where}: {category.slug} appears twice")
        seen.add(category.slug)
        if any(len(name) > MAX_CATEGORY_NAME for name in category.names.values()):
            problems.append(
                f"{where}: a category's name has at most {MAX_CATEGORY_NAME} characters"
            )
    return [Category(c.slug, c.names, position) for position, (c, _w) in enumerate(categories)]


def checked(
    entries: list[tuple[FaqEntryData, str]],
    categories: list[Category],
    facts: dict[str, list[tuple[TopicFacts, str]]],
    problems: list[str],
) -> KnowledgeBase:
    """The knowledge base if every entry can be trained on and answered with and each topic
    has one set of facts; else every problem, with where it is in the file."""
    for told in facts.values():
        for other, where in told[1:]:
            if other != told[0][0]:
                problems.append(f"{where}: other owner, review date or enabled than before")
    seen: set[tuple[str, str]] = set()
    category_of: dict[str, str] = {}
    for entry, place in entries:
        where = f"{place}, {entry.slug or '?'} ({entry.language})"
        if not SLUG_PATTERN.fullmatch(entry.slug):
            problems.append(f"{where}: a slug is 2-64 lower-case letters, digits or _")
        if entry.language not in LANGUAGES:
            problems.append(f"{where}: the language must be de or en")
        if (entry.slug, entry.language) in seen:
            problems.append(f"{where}: appears twice")
        seen.add((entry.slug, entry.language))
        if category_of.setdefault(entry.slug, entry.category) != entry.category:
            problems.append(f"{where}: another category than its other language")
        if not entry.category:
            problems.append(f"{where}: needs a category")
        if not entry.question or len(entry.question) > MAX_QUESTION:
            problems.append(f"{where}: needs a question of at most {MAX_QUESTION} characters")
        if not entry.answer:
            problems.append(f"{where}: needs an answer")
        if len(entry.examples) < 2:
            problems.append(f"{where}: needs at least two example phrasings to learn from")
        if any("\n" in example or not example for example in entry.examples):
            problems.append(f"{where}: every example is one non-empty line")
    if problems:
        raise ExchangeError(problems)
    found = {slug: told[0][0] for slug, told in facts.items() if told[0][0] != TopicFacts()}
    return KnowledgeBase([entry for entry, _place in entries], categories, found)
