"""FaqRepository in memory, for unit tests of code that reads the FAQ."""

from __future__ import annotations

from collections.abc import Sequence

from faq.model import FaqEntryData, ImportSummary


class MemoryFaqRepository:
    """FAQ entries in a dict keyed by (slug, language)."""

    def __init__(self, entries: Sequence[FaqEntryData] = ()) -> None:
        self._entries = {(e.slug, e.language): e for e in entries}

    async def get(self, slug: str, language: str) -> FaqEntryData | None:
        """The entry in that language, or None."""
        return self._entries.get((slug, language))

    async def slugs(self) -> frozenset[str]:
        """Slugs of all entries (the FAQ intents the model knows)."""
        return frozenset(slug for slug, _language in self._entries)

    async def all_entries(self) -> Sequence[FaqEntryData]:
        """Every entry in every language, ordered by slug and language."""
        return [self._entries[key] for key in sorted(self._entries)]

    async def upsert(self, entry: FaqEntryData) -> None:
        """Create or replace the entry with the same slug and language."""
        self._entries[(entry.slug, entry.language)] = entry

    async def write_all(
        self, entries: Sequence[FaqEntryData], *, replace: bool = False
    ) -> ImportSummary:
        """Create or replace these entries; with `replace`, drop the others."""
        wanted = {(entry.slug, entry.language): entry for entry in entries}
        added = sum(key not in self._entries for key in wanted)
        unchanged = sum(self._entries.get(key) == entry for key, entry in wanted.items())
        removed = sum(key not in wanted for key in self._entries) if replace else 0
        if replace:
            self._entries = {}
        self._entries.update(wanted)
        return ImportSummary(added, len(wanted) - added - unchanged, removed, unchanged)
