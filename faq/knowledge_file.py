"""The knowledge base as a file (faq/exchange.py) meets the editorial store: an export is
every topic's live version (disabled topics, owners and review dates included) with the
menu's categories; an import publishes a file's topics, each changed one as a new version
in its history, in one transaction with its categories."""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from sqlalchemy import delete, select

from bot.storage.audit import record
from bot.storage.database import SessionFactory
from bot.storage.models import FaqEntry, FaqRevisionRecord
from faq.categories import SqlCategories, write_categories
from faq.editorial import EditorialError, Problem, State, TopicContent, problems
from faq.knowledge_base import KnowledgeBase
from faq.model import ImportSummary
from faq.revision_store import SqlRevisionStore, record_live_version, write_live

IMPORTED_NOTE = "imported from a file"


async def published_knowledge_base(
    revisions: SqlRevisionStore, categories: SqlCategories
) -> KnowledgeBase:
    """What an export writes: the live version of every topic and the categories."""
    await revisions.adopt_live()  # a seed or an older import wrote the live table only
    return KnowledgeBase.of(await revisions.published(), await categories.all())


class SqlKnowledgeImport:
    """`servicebot faq import`: a file's topics become the live ones."""

    def __init__(self, revisions: SqlRevisionStore, sessions: SessionFactory) -> None:
        self._revisions = revisions
        self._sessions = sessions

    async def import_file(
        self, knowledge_base: KnowledgeBase, actor: str, *, replace: bool = False
    ) -> ImportSummary:
        """Publish each topic of the file that differs from its live version, name the
        file's categories; with `replace`, delete the topics (their history too) and the
        unused categories the file lacks. All or nothing; counted in topics.
        EditorialError("invalid") for content the editor would refuse, ("busy") while a
        topic it touches is being published."""
        topics = knowledge_base.topics()
        found: list[Problem] = []
        for slug, content in topics.items():
            found += [
                dataclasses.replace(p, field=f"{slug}.{p.field}")
                for p in problems(slug, content, self._revisions.reserved)
            ]
        if found:
            raise EditorialError("invalid", found)
        await self._revisions.adopt_live(actor)  # outside changes first: history stays whole
        added = changed = unchanged = removed = 0
        async with self._sessions.begin() as session:
            rows: defaultdict[str, list[FaqRevisionRecord]] = defaultdict(list)
            for row in await session.scalars(select(FaqRevisionRecord).with_for_update()):
                rows[row.slug].append(row)
            touched = set(rows) if replace else set(topics)
            if any(r.state == State.PUBLISHING for slug in touched for r in rows.get(slug, [])):
                raise EditorialError("busy")
            for slug, content in topics.items():
                live = next((r for r in rows[slug] if r.state == State.PUBLISHED), None)
                if live is not None and TopicContent.from_json(live.content) == content:
                    unchanged += 1
                    continue
                if live is None:
                    added += 1
                else:
                    changed += 1
                record_live_version(
                    session, rows[slug], slug, content, actor, IMPORTED_NOTE, "faq.imported"
                )
                await write_live(session, slug, content)
            for slug in sorted(set(rows) - set(topics)) if replace else []:
                await session.execute(
                    delete(FaqRevisionRecord).where(FaqRevisionRecord.slug == slug)
                )
                await session.execute(delete(FaqEntry).where(FaqEntry.slug == slug))
                record(session, actor, "faq.deleted_by_import", f"faq:{slug}")
                removed += 1
            kept = [
                TopicContent.from_json(r.content).category
                for slug, revisions in rows.items()
                if slug not in topics and not replace
                for r in revisions
                if r.state != State.SUPERSEDED
            ]
            used = {content.category for content in topics.values()} | set(kept)
            await write_categories(session, knowledge_base.categories, used=used, replace=replace)
        return ImportSummary(added, changed, removed, unchanged)
