"""The demo company's FAQ, shipped with the project (written from shared/demo-company)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from faq.model import LANGUAGES, FaqEntryData
from faq.ports import FaqRepository

DEMO_FAQ_FILE = Path(__file__).resolve().parent / "data" / "demo_faq.yaml"


def load_faq_file(path: Path = DEMO_FAQ_FILE) -> list[FaqEntryData]:
    """Read FAQ entries from a YAML file (one item per slug, one block per language)."""
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    entries = []
    for item in document["entries"]:
        for language in LANGUAGES:
            block = item[language]
            entries.append(
                FaqEntryData(
                    slug=item["slug"],
                    language=language,
                    category=item["category"],
                    question=block["question"].strip(),
                    answer=block["answer"].strip(),
                    examples=tuple(str(example).strip() for example in block["examples"]),
                )
            )
    return entries


async def seed_faq(
    repository: FaqRepository, path: Path = DEMO_FAQ_FILE, *, replace: bool = False
) -> int:
    """Add the demo entries that are missing (entries an administrator edited stay as they
    are), or with `replace` overwrite them with the shipped demo content."""
    written = 0
    for entry in load_faq_file(path):
        if replace or await repository.get(entry.slug, entry.language) is None:
            await repository.upsert(entry)
            written += 1
    return written
