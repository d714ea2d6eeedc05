"""The demo company's FAQ, shipped with the project (written from shared/demo-company) in
the layout of a YAML export (faq/exchange.py)."""

from __future__ import annotations

from pathlib import Path

from faq.exchange import from_yaml
from faq.knowledge_base import KnowledgeBase
from faq.model import FaqEntryData
from faq.ports import FaqRepository

DEMO_FAQ_FILE = Path(__file__).resolve().parent / "data" / "demo_faq.yaml"


def load_knowledge_base(path: Path = DEMO_FAQ_FILE) -> KnowledgeBase:
    """The entries and categories of a YAML export."""
    return from_yaml(path.read_text(encoding="utf-8"))


def load_faq_file(path: Path = DEMO_FAQ_FILE) -> list[FaqEntryData]:
    """The entries the bot answers in a YAML export."""
    return load_knowledge_base(path).answered()


async def seed_faq(
    repository: FaqRepository, path: Path = DEMO_FAQ_FILE, *, replace: bool = False
) -> int:
    """Add the demo entries and categories that are missing (what an administrator edited
    stays as it is), or with `replace` overwrite them with the shipped demo content. Returns
    how many entries it wrote."""
    shipped = load_knowledge_base(path)
    present = {(entry.slug, entry.language) for entry in await repository.all_entries()}
    known = {category.slug for category in await repository.categories()}
    entries = [e for e in shipped.answered() if replace or (e.slug, e.language) not in present]
    categories = [c for c in shipped.categories if replace or c.slug not in known]
    if entries or categories:
        await repository.write_all(entries, categories=categories)
    return len(entries)
