"""The whole knowledge base as a file, both ways: YAML (the menu's categories with their
names, then one item per topic with its owner, review date and whether it is enabled, and a
block per language: the layout of faq/data/demo_faq.yaml) or CSV (one row per topic and
language, the examples one per line in their cell, the category's name in the row's
language and the topic's facts beside them, rows in menu order), so a company can start from
the FAQ list it has. An export imported again is the same knowledge base, and exports it to
the same bytes. (A category no topic uses has no row in a CSV.)"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from faq.knowledge_base import (
    ExchangeError,
    KnowledgeBase,
    TopicFacts,
    checked,
    checked_categories,
    read_facts,
)
from faq.model import LANGUAGES, Category, FaqEntryData

CSV_COLUMNS = ("slug", "category", "language", "question", "answer", "examples")
# Optional in a company's own file (defaults: no name, no owner, not reviewed, enabled).
CSV_EXTRA_COLUMNS = ("category_name", "owner", "last_reviewed", "enabled")


def to_yaml(
    entries: Iterable[FaqEntryData],
    categories: Iterable[Category] = (),
    facts: Mapping[str, TopicFacts] | None = None,
) -> str:
    """The knowledge base as YAML: categories in menu order, topics in slug order (facts
    only where they differ from the defaults)."""
    listed = [
        {"slug": c.slug, **{lang: c.names[lang] for lang in LANGUAGES if lang in c.names}}
        for c in categories
    ]
    topics: dict[str, dict[str, Any]] = {}
    for entry in sorted(entries, key=lambda e: (e.slug, LANGUAGES.index(e.language))):
        topic = topics.get(entry.slug)
        if topic is None:
            topic = topics[entry.slug] = {"slug": entry.slug, "category": entry.category}
            topic.update(_yaml_facts((facts or {}).get(entry.slug, TopicFacts())))
        topic[entry.language] = {
            "question": entry.question,
            "answer": entry.answer,
            "examples": list(entry.examples),
        }
    return yaml.dump(
        {"categories": listed, "entries": list(topics.values())},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1_000_000,
    )


def _yaml_facts(facts: TopicFacts) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    if facts.owner:
        shown["owner"] = facts.owner
    if facts.last_reviewed:
        shown["last_reviewed"] = facts.last_reviewed.isoformat()
    if not facts.enabled:
        shown["enabled"] = False
    return shown


def from_yaml(text: str) -> KnowledgeBase:
    """The knowledge base of a YAML export (the categories are optional). Raises
    ExchangeError."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ExchangeError([f"not YAML: {error}"]) from None
    items = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ExchangeError(['expected a mapping with a list under "entries"'])
    entries: list[tuple[FaqEntryData, str]] = []
    facts: dict[str, list[tuple[TopicFacts, str]]] = {}
    problems: list[str] = []
    for index, item in enumerate(items, 1):
        where = f"entry {index}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not a mapping")
            continue
        where = f"entry {index} ({item.get('slug', '?')})"
        enabled, reviewed = item.get("enabled", True), item.get("last_reviewed")
        told = read_facts(str(item.get("owner") or ""), reviewed, enabled, where, problems)
        facts.setdefault(str(item.get("slug", "")), []).append((told, where))
        languages = [language for language in LANGUAGES if language in item]
        if not languages:
            problems.append(f"{where}: needs a de or en block")
        for language in languages:
            block = item[language]
            if not isinstance(block, dict):
                problems.append(f"{where}, {language}: not a mapping")
                continue
            examples = block.get("examples")
            if not isinstance(examples, list):
                problems.append(f"{where}, {language}: examples must be a list")
                continue
            entry = FaqEntryData(
                slug=str(item.get("slug", "")),
                language=language,
                category=str(item.get("category", "")),
                question=str(block.get("question", "")).strip(),
                answer=str(block.get("answer", "")).strip(),
                examples=tuple(str(example).strip() for example in examples),
            )
            entries.append((entry, f"entry {index}"))
    categories = _yaml_categories(document.get("categories", []), problems)
    return checked(entries, categories, facts, problems)


def _yaml_categories(items: object, problems: list[str]) -> list[Category]:
    if not isinstance(items, list):
        problems.append('"categories" must be a list')
        return []
    categories = []
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            problems.append(f"category {index}: not a mapping")
            continue
        names = {lang: str(item[lang]).strip() for lang in LANGUAGES if item.get(lang)}
        categories.append((Category(str(item.get("slug", "")), names), f"category {index}"))
    return checked_categories(categories, problems)


def to_csv(
    entries: Iterable[FaqEntryData],
    categories: Iterable[Category] = (),
    facts: Mapping[str, TopicFacts] | None = None,
) -> str:
    """The knowledge base as CSV with a header row, rows in menu order of their category
    (then slug and language), so that an import reads the categories' order back."""
    by_slug = {category.slug: category for category in categories}
    place = {slug: index for index, slug in enumerate(by_slug)}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow((*CSV_COLUMNS, *CSV_EXTRA_COLUMNS))
    rows = sorted(
        entries,
        key=lambda e: (place.get(e.category, len(place)), e.category, e.slug, e.language),
    )
    for entry in rows:
        category = by_slug.get(entry.category)
        told = (facts or {}).get(entry.slug, TopicFacts())
        writer.writerow(
            (
                entry.slug,
                entry.category,
                entry.language,
                entry.question,
                entry.answer,
                "\n".join(entry.examples),
                category.names.get(entry.language, "") if category else "",
                told.owner,
                told.last_reviewed.isoformat() if told.last_reviewed else "",
                "true" if told.enabled else "false",
            )
        )
    return out.getvalue()


def from_csv(text: str) -> KnowledgeBase:
    """The knowledge base of a CSV export (its header names the columns; the categories are
    those its rows name, in the order they first appear). Raises ExchangeError."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a BOM
    missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise ExchangeError([f"the header lacks the columns {', '.join(sorted(missing))}"])
    entries = []
    names: dict[str, dict[str, str]] = {}  # category -> language -> name
    facts: dict[str, list[tuple[TopicFacts, str]]] = {}
    problems: list[str] = []
    start = reader.line_num + 1  # a row's first line (a cell may span several)
    for row in reader:
        entry = FaqEntryData(
            slug=(row["slug"] or "").strip(),
            language=(row["language"] or "").strip(),
            category=(row["category"] or "").strip(),
            question=(row["question"] or "").strip(),
            answer=(row["answer"] or "").strip(),
            examples=tuple(
                line.strip() for line in (row["examples"] or "").splitlines() if line.strip()
            ),
        )
        entries.append((entry, f"line {start}"))
        told = read_facts(
            row.get("owner") or "",
            row.get("last_reviewed") or "",
            row.get("enabled") or "",
            f"line {start}",
            problems,
        )
        facts.setdefault(entry.slug, []).append((told, f"line {start}"))
        named = names.setdefault(entry.category, {})
        name = (row.get("category_name") or "").strip()
        if name and named.setdefault(entry.language, name) != name:
            problems.append(f"line {start}: another name for {entry.category} than before")
        start = reader.line_num + 1
    categories = [(Category(slug, named), f"category {slug}") for slug, named in names.items()]
    return checked(entries, checked_categories(categories, problems), facts, problems)


def write(knowledge_base: KnowledgeBase, file_format: str) -> str:
    """The knowledge base as a file in "yaml" or "csv"."""
    writer = to_csv if file_format == "csv" else to_yaml
    return writer(knowledge_base.entries, knowledge_base.categories, knowledge_base.facts)


def parse(text: str, file_format: str) -> KnowledgeBase:
    """The knowledge base in a file in "yaml" or "csv"."""
    return from_csv(text) if file_format == "csv" else from_yaml(text)


class _Dumper(yaml.SafeDumper):
    """Answers over several lines as literal blocks, readable and editable by hand."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
