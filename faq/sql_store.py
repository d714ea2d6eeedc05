"""FaqRepository on SQLAlchemy."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from bot.storage.database import SessionFactory
from bot.storage.models import FaqEntry
from faq.categories import read_categories, write_categories
from faq.model import Category, FaqEntryData, ImportSummary


def _to_data(row: FaqEntry) -> FaqEntryData:
    return FaqEntryData(
        slug=row.slug,
        language=row.language,
        category=row.category,
        question=row.question,
        answer=row.answer,
        examples=tuple(row.examples),
    )


class SqlFaqRepository:
    """FAQ entries in the faq_entries table."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def get(self, slug: str, language: str) -> FaqEntryData | None:
        """The entry in that language, or None."""
        async with self._sessions() as session:
            row = await session.scalar(
                select(FaqEntry).where(FaqEntry.slug == slug, FaqEntry.language == language)
            )
            return _to_data(row) if row else None

    async def slugs(self) -> frozenset[str]:
        """Slugs of all entries (the FAQ intents the model knows)."""
        async with self._sessions() as session:
            return frozenset(await session.scalars(select(FaqEntry.slug).distinct()))

    async def all_entries(self) -> Sequence[FaqEntryData]:
        """Every entry in every language, ordered by slug and language."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FaqEntry).order_by(FaqEntry.slug, FaqEntry.language)
            )
            return [_to_data(row) for row in rows]

    async def categories(self) -> Sequence[Category]:
        """The menu's categories in their order."""
        async with self._sessions() as session:
            return await read_categories(session)

    async def upsert(self, entry: FaqEntryData) -> None:
        """Create or replace the entry with the same slug and language."""
        async with self._sessions.begin() as session:
            row = await session.scalar(
                select(FaqEntry).where(
                    FaqEntry.slug == entry.slug, FaqEntry.language == entry.language
                )
            )
            if row is None:
                row = FaqEntry(slug=entry.slug, language=entry.language)
                session.add(row)
            row.category = entry.category
            row.question = entry.question
            row.answer = entry.answer
            row.examples = list(entry.examples)

    async def write_all(
        self,
        entries: Sequence[FaqEntryData],
        *,
        replace: bool = False,
        categories: Sequence[Category] = (),
    ) -> ImportSummary:
        """One transaction for the whole import."""
        added = changed = unchanged = removed = 0
        wanted = {(entry.slug, entry.language): entry for entry in entries}
        async with self._sessions.begin() as session:
            rows = {
                (row.slug, row.language): row for row in await session.scalars(select(FaqEntry))
            }
            for key, entry in wanted.items():
                row = rows.get(key)
                if row is not None and _to_data(row) == entry:
                    unchanged += 1
                    continue
                if row is None:
                    row = FaqEntry(slug=entry.slug, language=entry.language)
                    session.add(row)
                    added += 1
                else:
                    changed += 1
                row.category, row.question, row.answer = (
                    entry.category,
                    entry.question,
                    entry.answer,
                )
                row.examples = list(entry.examples)
            if replace:
                for key, row in rows.items():
                    if key not in wanted:
                        await session.delete(row)
                        removed += 1
            used = {entry.category for entry in wanted.values()}
            if not replace:
                used |= {row.category for row in rows.values()}
            await write_categories(session, categories, used=used, replace=replace)
        return ImportSummary(added, changed, removed, unchanged)
