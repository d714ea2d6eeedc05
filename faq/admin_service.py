"""What the FAQ admin's pages and REST API work with (opened with the web app's
resources; built in bot/faq_wiring.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from aiohttp import web

from bot.storage.audit import AuditLog
from faq.api_models import CandidateOut, PreviewOut, TestOut
from faq.candidates import Candidates
from faq.categories import SqlCategories
from faq.editorial import EditorialError, FieldChange, Revision, Topic, diff
from faq.misses import SqlMisses
from faq.ports import FaqRepository
from faq.publications import SqlPublicationStore
from faq.publisher import Publisher
from faq.revision_store import SqlRevisionStore

Previewer = Callable[[str, Sequence[str], str], PreviewOut]  # (answer, buttons, language)


class Tester(Protocol):
    """The test box: which entry would answer a question (bot/faq_wiring.py)."""

    async def __call__(self, text: str, language: str) -> TestOut:
        """The served and the candidate model's decision on the question."""
        ...

    async def candidate(self, text: str | None = None) -> CandidateOut:
        """The candidate model's state (and its decision on `text`, once it serves)."""
        ...


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
    candidates: Candidates  # the model trained on the open drafts, for the test box
    categories: SqlCategories  # the customer's menu

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

    async def train_candidate(self, actor: str) -> CandidateOut:
        """Queue the training of a model on the open drafts for the test box."""
        await self.candidates.request(actor)
        self.publisher.wake()
        return await self.test.candidate()

    async def rollback(self, slug: str, number: int, actor: str) -> Revision:
        """Publish an earlier version's content again."""
        revision = await self.revisions.rollback(slug, number, actor)
        self.publisher.wake()
        return revision


FAQ_ADMIN = web.AppKey("faq_admin", FaqAdmin)
