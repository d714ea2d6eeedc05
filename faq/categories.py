"""The menu's categories in the faq_categories table: read in their order, named and moved
by an admin, written whole by an import. Positions are kept 0, 1, 2... so that a list in a
file (YAML, or the order in which a CSV's rows name them) reproduces the order exactly."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.audit import record
from bot.storage.database import SessionFactory
from bot.storage.models import FaqCategoryRecord, FaqEntry, FaqRevisionRecord
from faq.editorial import SLUG_PATTERN, EditorialError, Problem, State
from faq.model import LANGUAGES, MAX_CATEGORY_NAME, MAX_CATEGORY_SLUG, Category


def category_problems(slug: str, names: dict[str, str]) -> list[Problem]:
    """What keeps a category from being saved: its key, a German name, the lengths."""
    found = []
    if not SLUG_PATTERN.fullmatch(slug) or len(slug) > MAX_CATEGORY_SLUG:
        found.append(Problem("slug", "slug_format"))
    if not names.get(LANGUAGES[0], "").strip():
        found.append(Problem(f"{LANGUAGES[0]}.name", "required"))
    for language, name in names.items():
        if language not in LANGUAGES:
            found.append(Problem(f"{language}.name", "unknown_language"))
        elif len(name) > MAX_CATEGORY_NAME:
            found.append(Problem(f"{language}.name", "too_long", {"limit": MAX_CATEGORY_NAME}))
    return found


async def read_categories(session: AsyncSession) -> list[Category]:
    """Every category in menu order."""
    rows = await session.scalars(
        select(FaqCategoryRecord).order_by(FaqCategoryRecord.position, FaqCategoryRecord.slug)
    )
    return [Category(row.slug, dict(row.names), row.position) for row in rows]


async def write_categories(
    session: AsyncSession,
    categories: Sequence[Category],
    *,
    used: Collection[str] = (),
    replace: bool = False,
) -> None:
    """Name these categories (names the file leaves out stay), in their order ahead of the
    others; create the `used` ones that are missing; with `replace`, drop the categories
    neither listed nor used. Positions renumbered."""
    rows = {row.slug: row for row in await session.scalars(select(FaqCategoryRecord))}
    listed = [category.slug for category in categories]
    for category in categories:
        row = rows.get(category.slug)
        if row is None:
            row = rows[category.slug] = FaqCategoryRecord(slug=category.slug, names={})
            session.add(row)
        row.names = {**row.names, **category.names}
    for slug in sorted(set(used) - set(rows)):
        rows[slug] = FaqCategoryRecord(slug=slug, names={}, position=len(rows))
        session.add(rows[slug])
    others = sorted((row for slug, row in rows.items() if slug not in listed), key=_order)
    if replace:
        for row in [row for row in others if row.slug not in used]:
            await session.delete(row)
            others.remove(row)
    for position, row in enumerate([*(rows[slug] for slug in listed), *others]):
        row.position = position


def _order(row: FaqCategoryRecord) -> tuple[int, str]:
    return row.position, row.slug


class SqlCategories:
    """An admin's edits of single categories."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def all(self) -> list[Category]:
        """Every category in menu order."""
        async with self._sessions() as session:
            return await read_categories(session)

    async def save(
        self, slug: str, names: dict[str, str], actor: str, position: int | None = None
    ) -> None:
        """Create or rename a category; `position` (0 is first) moves it, else a new one
        goes last and an existing one stays where it is. EditorialError("invalid")."""
        names = {language: name.strip() for language, name in names.items() if name.strip()}
        if found := category_problems(slug, names):
            raise EditorialError("invalid", found)
        async with self._sessions.begin() as session:
            rows = sorted(await session.scalars(select(FaqCategoryRecord)), key=_order)
            row = next((r for r in rows if r.slug == slug), None)
            if row is None:
                row = FaqCategoryRecord(slug=slug)
                session.add(row)
                index = len(rows)
            else:
                index = rows.index(row)
                rows.remove(row)
            if position is not None:
                index = min(max(position, 0), len(rows))
            row.names = names
            rows.insert(index, row)
            for number, each in enumerate(rows):
                each.position = number
            record(session, actor, "faq.category_saved", f"category:{slug}", {"position": index})

    async def in_use(self) -> dict[str, int]:
        """How many topics (live, or in a version not yet superseded) each category has."""
        async with self._sessions() as session:
            return await _topics_per_category(session)

    async def delete(self, slug: str, actor: str) -> None:
        """Remove a category no topic uses. EditorialError("not_found") or ("in_use")."""
        async with self._sessions.begin() as session:
            row = await session.get(FaqCategoryRecord, slug, with_for_update=True)
            if row is None:
                raise EditorialError("not_found")
            if (await _topics_per_category(session)).get(slug):
                raise EditorialError("in_use")
            await session.delete(row)
            record(session, actor, "faq.category_deleted", f"category:{slug}")


async def _topics_per_category(session: AsyncSession) -> dict[str, int]:
    topics: dict[str, set[str]] = {}
    for slug, category in await session.execute(select(FaqEntry.slug, FaqEntry.category)):
        topics.setdefault(category, set()).add(slug)
    revisions = await session.scalars(
        select(FaqRevisionRecord).where(FaqRevisionRecord.state != State.SUPERSEDED)
    )
    for revision in revisions:
        topics.setdefault(str(revision.content.get("category")), set()).add(revision.slug)
    return {category: len(slugs) for category, slugs in topics.items()}
