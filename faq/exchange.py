"""The whole knowledge base as a file, both ways: YAML (one item per topic, a block per
language, the layout of faq/data/demo_faq.yaml) or CSV (one row per topic and language, the
examples one per line in their cell), so a company can start from the FAQ list it has. An
export imported again is the same knowledge base, and exports it to the same bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import yaml

from faq.editorial import MAX_QUESTION, SLUG_PATTERN
from faq.model import LANGUAGES, FaqEntryData

CSV_COLUMNS = ("slug", "category", "language", "question", "answer", "examples")


class ExchangeError(ValueError):
    """A file that cannot be imported; `problems` say where and why (nothing was written)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


def to_yaml(entries: Iterable[FaqEntryData]) -> str:
    """The knowledge base as YAML, topics in slug order."""
    topics: dict[str, dict[str, Any]] = {}
    for entry in sorted(entries, key=lambda e: (e.slug, LANGUAGES.index(e.language))):
        topic = topics.setdefault(entry.slug, {"slug": entry.slug, "category": entry.category})
        topic[entry.language] = {
            "question": entry.question,
            "answer": entry.answer,
            "examples": list(entry.examples),
        }
    return yaml.dump(
        {"entries": list(topics.values())},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        width=1_000_000,
    )


def from_yaml(text: str) -> list[FaqEntryData]:
    """The entries of a YAML export. Raises ExchangeError."""
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ExchangeError([f"not YAML: {error}"]) from None
    items = document.get("entries") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ExchangeError(['expected a mapping with a list under "entries"'])
    entries: list[tuple[FaqEntryData, str]] = []
    problems: list[str] = []
    for index, item in enumerate(items, 1):
        where = f"entry {index}"
        if not isinstance(item, dict):
            problems.append(f"{where}: not a mapping")
            continue
        where = f"entry {index} ({item.get('slug', '?')})"
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
    return _checked(entries, problems)


def to_csv(entries: Iterable[FaqEntryData]) -> str:
    """The knowledge base as CSV with a header row, rows in slug and language order."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for entry in sorted(entries, key=lambda e: (e.slug, LANGUAGES.index(e.language))):
        writer.writerow(
            (
                entry.slug,
                entry.category,
                entry.language,
                entry.question,
                entry.answer,
                "\n".join(entry.examples),
            )
        )
    return out.getvalue()


def from_csv(text: str) -> list[FaqEntryData]:
    """The entries of a CSV export (its header names the columns). Raises ExchangeError."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))  # Excel writes a BOM
    missing = set(CSV_COLUMNS) - set(reader.fieldnames or ())
    if missing:
        raise ExchangeError([f"the header lacks the columns {', '.join(sorted(missing))}"])
    entries = []
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
        start = reader.line_num + 1
    return _checked(entries, [])


def parse(text: str, file_format: str) -> list[FaqEntryData]:
    """The entries of a file in "yaml" or "csv"."""
    return from_csv(text) if file_format == "csv" else from_yaml(text)


def _checked(entries: list[tuple[FaqEntryData, str]], problems: list[str]) -> list[FaqEntryData]:
    """The entries if every one of them can be trained on and answered with; else every
    problem, with where it is in the file."""
    seen: set[tuple[str, str]] = set()
    categories: dict[str, str] = {}
    for entry, place in entries:
        where = f"{place}, {entry.slug or '?'} ({entry.language})"
        if not SLUG_PATTERN.fullmatch(entry.slug):
            problems.append(f"{where}: a slug is 2-64 lower-case letters, digits or _")
        if entry.language not in LANGUAGES:
            problems.append(f"{where}: the language must be de or en")
        if (entry.slug, entry.language) in seen:
            problems.append(f"{where}: appears twice")
        seen.add((entry.slug, entry.language))
        if categories.setdefault(entry.slug, entry.category) != entry.category:
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
    return [entry for entry, _place in entries]


class _Dumper(yaml.SafeDumper):
    """Answers over several lines as literal blocks, readable and editable by hand."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)
