"""What the rest of the system may ask of the FAQ."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from faq.model import Category, FaqEntryData, ImportSummary


class FaqRepository(Protocol):
    """Read and write FAQ entries; adapters: SQL (faq/sql_store.py) and memory (tests)."""

    async def get(self, slug: str, language: str) -> FaqEntryData | None:
        """The entry in that language, or None."""
        ...

    async def slugs(self) -> frozenset[str]:
        """Slugs of all entries (the FAQ intents the model knows)."""
        ...

    async def all_entries(self) -> Sequence[FaqEntryData]:
        """Every entry in every language, ordered by slug and language."""
        ...

    async def categories(self) -> Sequence[Category]:
        """The menu's categories in their order."""
        ...

    async def upsert(self, entry: FaqEntryData) -> None:
        """Create or replace the entry with the same slug and language."""
        ...

    async def write_all(
        self,
        entries: Sequence[FaqEntryData],
        *,
        replace: bool = False,
        categories: Sequence[Category] = (),
    ) -> ImportSummary:
        """Create or replace these entries and name these categories in one go (all or
        nothing); with `replace`, delete every entry and category the lists do not have."""
        ...
