"""What the FAQ admin's pages and REST API work with (opened with the web app's
resources; built in bot/faq_wiring.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from bot.storage.audit import AuditLog
from faq.api_models import PreviewOut, TestOut
from faq.editorial import FieldChange, Revision, Topic, diff
from faq.misses import SqlMisses
from faq.ports import FaqRepository
from faq.publications import SqlPublicationStore
from faq.publisher import Publisher
from faq.revision_store import EditorialError, SqlRevisionStore

Previewer = Callable[[str, Sequence[str], str], PreviewOut]  # (answer, buttons, language)
Tester = Callable[[str, str], Awaitable[TestOut]]  # (question, language)


@dataclass(frozen=True, slots=True)
class FaqAdmin:
    """The knowledge base's editorial side."""

    revisions: SqlRevisionStore
    publications: SqlPublicationStore
    publisher: Publisher
    audit: AuditLog
    live: FaqRepository  # what the bot answers now (for export)
    preview: Previewer
    test: Tester
    misses: SqlMisses  # the inbox of what the bot did not settle

    async def topics(self) -> list[Topic]:
        """Every topic, imports and seeding included."""
        await self.revisions.adopt_live()
        return await self.revisions.topics()

    async def topic(self, slug: str) -> Topic:
        """One topic; EditorialError("not_found") if it has no revision."""
        await self.revisions.adopt_live()
        topic = await self.revisions.topic(slug)
        if topic is None:
            raise EditorialError("not_found")
        return topic

    async def changes(
        self, slug: str, to_number: int, from_number: int | None = None
    ) -> tuple[Revision | None, Revision, list[FieldChange]]:
        """What changed from one version (by default the one before) to another."""
        history = await self.revisions.history(slug)
        by_number = {revision.number: revision for revision in history}
        new = by_number.get(to_number)
        if new is None:
            raise EditorialError("not_found")
        if from_number is None:
            older = [r for r in history if r.number < to_number]
            old = older[0] if older else None
        else:
            old = by_number.get(from_number)
            if old is None:
                raise EditorialError("not_found")
        return old, new, diff(old.content if old else None, new.content)

    async def publish(self, slug: str, number: int, actor: str) -> Revision:
        """Queue a revision for the background retrain."""
        revision = await self.revisions.publish(slug, number, actor)
        self.publisher.wake()
        return revision

    async def rollback(self, slug: str, number: int, actor: str) -> Revision:
        """Publish an earlier version's content again."""
        revision = await self.revisions.rollback(slug, number, actor)
        self.publisher.wake()
        return revision


FAQ_ADMIN = web.AppKey("faq_admin", FaqAdmin)
