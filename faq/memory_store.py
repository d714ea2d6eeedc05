"""FaqRepository in memory, for unit tests of code that reads the FAQ."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from faq.model import Category, FaqEntryData, ImportSummary


class MemoryFaqRepository:
    """FAQ entries in a dict keyed by (slug, language)."""

    def __init__(
        self, entries: Sequence[FaqEntryData] = (), categories: Sequence[Category] = ()
    ) -> None:
        self._entries = {(e.slug, e.language): e for e in entries}
        self._categories = list(categories)

    async def get(self, slug: str, language: str) -> FaqEntryData | None:
        """The entry in that language, or None."""
        return self._entries.get((slug, language))

    async def slugs(self) -> frozenset[str]:
        """Slugs of all entries (the FAQ intents the model knows)."""
        return frozenset(slug for slug, _language in self._entries)

    async def all_entries(self) -> Sequence[FaqEntryData]:
        """Every entry in every language, ordered by slug and language."""
        return [self._entries[key] for key in sorted(self._entries)]

    async def categories(self) -> Sequence[Category]:
        """The menu's categories in their order."""
        return list(self._categories)

    async def upsert(self, entry: FaqEntryData) -> None:
        """Create or replace the entry with the same slug and language."""
        self._entries[(entry.slug, entry.language)] = entry

    async def write_all(
        self,
        entries: Sequence[FaqEntryData],
        *,
        replace: bool = False,
        categories: Sequence[Category] = (),
    ) -> ImportSummary:
        """Create or replace these entries and categories; with `replace`, drop the others."""
        wanted = {(entry.slug, entry.language): entry for entry in entries}
        added = sum(key not in self._entries for key in wanted)
        unchanged = sum(self._entries.get(key) == entry for key, entry in wanted.items())
        removed = sum(key not in wanted for key in self._entries) if replace else 0
        if replace:
            self._entries = {}
        self._entries.update(wanted)
        self._categories = _merged(self._categories, categories, self._entries.values(), replace)

        return ImportSummary(added, len(wanted) - added - unchanged, removed, unchanged)


def _merged(
    present: Sequence[Category],
    listed: Sequence[Category],
    entries: Iterable[FaqEntryData],
    replace: bool,
) -> list[Category]:
    """As faq.categories.write_categories does it in SQL: the listed categories first (names
    merged), then the others; missing ones the entries use created; with `replace`, unused
    unlisted ones dropped."""
    old = {category.slug: category for category in present}
    used = {entry.category for entry in entries}
    merged = [
        Category(c.slug, {**(old[c.slug].names if c.slug in old else {}), **c.names})
        for c in listed
    ]
    slugs = {category.slug for category in merged}
    others = [c for c in present if c.slug not in slugs and (not replace or c.slug in used)]
    others += [Category(slug) for slug in sorted(used - slugs - set(old))]
    return [Category(c.slug, dict(c.names), index) for index, c in enumerate(merged + others)]
