"""The editorial workflow of the knowledge base. Every change to a topic is a numbered
revision of all its languages that goes draft -> review -> publishing -> published; the bot
answers from the published revisions only, once a model trained on them is served."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from faq.model import LANGUAGES, FaqEntryData

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,63}$")  # a slug is the model's intent name
MAX_QUESTION, MAX_ANSWER, MAX_EXAMPLE = 200, 4000, 300
MIN_EXAMPLES = 2
# Something a reader can see: not only the blanks of Python's or JavaScript's `\s` (the
# API's JSON Schema uses the same class, so a client's validator and ours agree).
VISIBLE = re.compile(
    r"[^\s\u0000-\u0020\u007f-\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"
)
MAX_OWNER = 64


class State(StrEnum):
    """Where a revision is in the workflow."""

    DRAFT = "draft"  # being written; editors and admins may change it
    REVIEW = "review"  # waiting for an admin to publish it (or send it back)
    PUBLISHING = "publishing"  # the model is being trained on it; not answered yet
    PUBLISHED = "published"  # what the bot answers now (one per topic at most)
    SUPERSEDED = "superseded"  # was published, a later revision replaced it


OPEN_STATES = frozenset({State.DRAFT, State.REVIEW})


@dataclass(frozen=True, slots=True)
class Wording:
    """A topic in one language: the question shown on buttons, the answer, and the ways
    customers ask it (the model's training examples)."""

    question: str
    answer: str
    examples: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TopicContent:
    """Everything a revision says about a topic."""

    category: str
    wordings: Mapping[str, Wording]  # by language
    enabled: bool = True
    owner: str = ""  # who keeps the topic correct (a name or team)
    last_reviewed: date | None = None

    def entries(self, slug: str) -> list[FaqEntryData]:
        """The entries the bot answers and trains on (none while disabled)."""
        if not self.enabled:
            return []
        return [
            FaqEntryData(slug, language, self.category, w.question, w.answer, w.examples)
            for language in LANGUAGES
            if (w := self.wordings.get(language)) is not None
        ]

    def to_json(self) -> dict[str, Any]:
        """The content as stored in the revisions table."""
        return {
            "category": self.category,
            "enabled": self.enabled,
            "owner": self.owner,
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "wordings": {
                language: {
                    "question": w.question,
                    "answer": w.answer,
                    "examples": list(w.examples),
                }
                for language, w in sorted(self.wordings.items())
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TopicContent:
        """The content of a stored revision."""
        reviewed = data.get("last_reviewed")
        return cls(
            category=str(data["category"]),
            enabled=bool(data.get("enabled", True)),
            owner=str(data.get("owner", "")),
            last_reviewed=date.fromisoformat(reviewed) if reviewed else None,
            wordings={
                language: Wording(str(w["question"]), str(w["answer"]), tuple(w["examples"]))
                for language, w in data["wordings"].items()
            },
        )

    @classmethod
    def from_entries(
        cls, entries: Sequence[FaqEntryData], *, like: TopicContent | None = None
    ) -> TopicContent:
        """A topic's content as the live table has it (owner and review date from `like`)."""
        wordings = {e.language: Wording(e.question, e.answer, e.examples) for e in entries}
        base = like or cls(category=entries[0].category, wordings={})
        return replace(base, category=entries[0].category, wordings=wordings, enabled=True)


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of a topic."""

    id: int
    slug: str
    number: int
    state: State
    content: TopicContent
    author: str
    note: str
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic as the admin sees it: what is live, and the work on it not yet live."""

    slug: str
    live: Revision | None  # the published revision
    pending: Revision | None  # being published
    open: Revision | None  # a draft or a revision in review

    @property
    def latest(self) -> Revision:
        """The newest of its revisions (a topic has at least one)."""
        revisions = [r for r in (self.live, self.pending, self.open) if r is not None]
        return max(revisions, key=lambda r: r.number)


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a draft cannot be saved: the field and a code the UI words in de or en."""

    field: str  # "slug", "category", "owner", "de.question", "en.examples", ...
    code: str  # "slug_format", "slug_reserved", "required", "too_long", "few_examples", ...
    values: Mapping[str, object] = dataclasses.field(default_factory=dict)


def problems(slug: str, content: TopicContent, reserved: Collection[str] = ()) -> list[Problem]:
    """What keeps this content from being trained on and answered; empty when it is fine."""
    found: list[Problem] = []
    if not SLUG_PATTERN.fullmatch(slug):
        found.append(Problem("slug", "slug_format"))
    elif slug in reserved:
        found.append(Problem("slug", "slug_reserved"))
    if not content.category.strip():
        found.append(Problem("category", "required"))
    elif not SLUG_PATTERN.fullmatch(content.category):
        found.append(Problem("category", "slug_format"))
    if len(content.owner) > MAX_OWNER:
        found.append(Problem("owner", "too_long", {"limit": MAX_OWNER}))
    if not content.wordings:
        found.append(Problem("wordings", "no_language"))
    for language, wording in sorted(content.wordings.items()):
        found += _wording_problems(language, wording)
    return found


def _wording_problems(language: str, wording: Wording) -> list[Problem]:
    if language not in LANGUAGES:
        return [Problem(language, "unknown_language")]
    found = []
    for name, value, limit in (
        ("question", wording.question, MAX_QUESTION),
        ("answer", wording.answer, MAX_ANSWER),
    ):
        if not VISIBLE.search(value):
            found.append(Problem(f"{language}.{name}", "required"))
        elif len(value) > limit:
            found.append(Problem(f"{language}.{name}", "too_long", {"limit": limit}))
    if len(wording.examples) < MIN_EXAMPLES:
        found.append(Problem(f"{language}.examples", "few_examples", {"minimum": MIN_EXAMPLES}))
    if not all(VISIBLE.search(example) for example in wording.examples):
        found.append(Problem(f"{language}.examples", "required"))
    if any(len(example) > MAX_EXAMPLE for example in wording.examples):
        found.append(Problem(f"{language}.examples", "too_long", {"limit": MAX_EXAMPLE}))
    return found


def example_lines(text: str) -> tuple[str, ...]:
    """Examples as typed in a text box: one per line, blanks and repeats dropped."""
    seen: set[str] = set()
    lines = []
    for line in text.splitlines():
        clean = " ".join(line.split())
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            lines.append(clean)
    return tuple(lines)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """How one field differs between two revisions, line by line: (" " | "-" | "+", line)."""

    field: str
    lines: tuple[tuple[str, str], ...]


def diff(old: TopicContent | None, new: TopicContent) -> list[FieldChange]:
    """The fields that differ, in reading order (every field of `new` when there is no old)."""
    before, after = _fields(old), _fields(new)
    changes = []
    for name in dict.fromkeys([*after, *before]):
        old_lines, new_lines = before.get(name, []), after.get(name, [])
        if old_lines != new_lines:
            changes.append(FieldChange(name, _line_diff(old_lines, new_lines)))
    return changes


def _fields(content: TopicContent | None) -> dict[str, list[str]]:
    if content is None:
        return {}
    fields = {
        "category": [content.category],
        "enabled": ["yes" if content.enabled else "no"],
        "owner": [content.owner] if content.owner else [],
        "last_reviewed": [content.last_reviewed.isoformat()] if content.last_reviewed else [],
    }
    for language in LANGUAGES:
        if (wording := content.wordings.get(language)) is not None:
            fields[f"{language}.question"] = [wording.question]
            fields[f"{language}.answer"] = wording.answer.splitlines()
            fields[f"{language}.examples"] = list(wording.examples)
    return fields


def _line_diff(old: list[str], new: list[str]) -> tuple[tuple[str, str], ...]:
    lines: list[tuple[str, str]] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [(" ", line) for line in old[i1:i2]]
            continue
        lines += [("-", line) for line in old[i1:i2]]
        lines += [("+", line) for line in new[j1:j2]]
    return tuple(lines)


class EditorialError(Exception):
    """A workflow step that cannot be taken; `code` says why (the UI words it)."""

    def __init__(self, code: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(code)
        # "not_found", "slug_taken", "invalid", "wrong_state", "busy", "conflict", "in_use",
        # "unknown_category"
        self.code = code
        self.problems = list(problems)
