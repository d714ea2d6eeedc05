"""The revisions of FAQ topics in SQL, each workflow step in one transaction with its
audit entry. The live table (faq_entries, what the bot answers) is only written by
`go_live` and by imports; `adopt_live` records such outside changes as revisions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import replace
from datetime import UTC, datetime

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.audit import record
from bot.storage.database import SessionFactory
from bot.storage.models import FaqCategoryRecord, FaqEntry, FaqRevisionRecord, as_utc
from faq.editorial import (
    OPEN_STATES,
    EditorialError,
    Problem,
    Revision,
    State,
    Topic,
    TopicContent,
    problems,
)
from faq.model import FaqEntryData

ADOPTED_NOTE = "changed outside the admin (import or seed)"


def _revision(row: FaqRevisionRecord) -> Revision:
    return Revision(
        id=row.id,
        slug=row.slug,
        number=row.number,
        state=State(row.state),
        content=TopicContent.from_json(row.content),
        author=row.author,
        note=row.note,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        published_at=as_utc(row.published_at) if row.published_at else None,
    )


def _topic(slug: str, rows: Sequence[FaqRevisionRecord]) -> Topic:
    newest: dict[str, Revision] = {}
    for row in sorted(rows, key=lambda r: r.number):
        newest[row.state] = _revision(row)
    open_ = max(
        (newest[s] for s in OPEN_STATES if s in newest), key=lambda r: r.number, default=None
    )
    return Topic(slug, newest.get(State.PUBLISHED), newest.get(State.PUBLISHING), open_)


class SqlRevisionStore:
    """Topics, their revisions and the workflow steps."""

    def __init__(self, sessions: SessionFactory, reserved_slugs: Collection[str] = ()) -> None:
        self._sessions = sessions
        self._reserved = frozenset(reserved_slugs)  # the model's own intents

    @property
    def reserved(self) -> frozenset[str]:
        """Slugs a topic may not take (the model's own intents)."""
        return self._reserved

    async def published(self) -> dict[str, TopicContent]:
        """Each topic's live version (disabled ones included), by slug."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FaqRevisionRecord)
                .where(FaqRevisionRecord.state == State.PUBLISHED)
                .order_by(FaqRevisionRecord.slug)
            )
            return {row.slug: TopicContent.from_json(row.content) for row in rows}

    async def topics(self) -> list[Topic]:
        """Every topic, by slug."""
        async with self._sessions() as session:
            rows = await session.scalars(select(FaqRevisionRecord))
            by_slug: defaultdict[str, list[FaqRevisionRecord]] = defaultdict(list)
            for row in rows:
                by_slug[row.slug].append(row)
        return [_topic(slug, by_slug[slug]) for slug in sorted(by_slug)]

    async def topic(self, slug: str) -> Topic | None:
        """One topic, if it has revisions."""
        async with self._sessions() as session:
            rows = list(await session.scalars(self._of(slug)))
        return _topic(slug, rows) if rows else None

    async def history(self, slug: str) -> list[Revision]:
        """A topic's revisions, newest first."""
        async with self._sessions() as session:
            rows = await session.scalars(self._of(slug).order_by(FaqRevisionRecord.number.desc()))
            return [_revision(row) for row in rows]

    async def revision(self, slug: str, number: int) -> Revision | None:
        """One revision of a topic."""
        async with self._sessions() as session:
            row = await self._row(session, slug, number)
            return _revision(row) if row else None

    async def save_draft(
        self, slug: str, content: TopicContent, actor: str, note: str = "", *, new: bool = False
    ) -> Revision:
        """Write the topic's open draft (a revision in review goes back to draft), or start
        one; `new` refuses a slug that exists."""
        if found := problems(slug, content, self._reserved):
            raise EditorialError("invalid", found)
        try:
            return await self._save_draft(slug, content, actor, note, new=new)
        except IntegrityError:
            raise EditorialError("conflict") from None  # someone saved the same topic just now

    async def _save_draft(
        self, slug: str, content: TopicContent, actor: str, note: str, *, new: bool
    ) -> Revision:
        async with self._sessions.begin() as session:
            if await session.get(FaqCategoryRecord, content.category) is None:
                # 409, not 422: the body is well-formed; the category has to exist first
                raise EditorialError("unknown_category", [Problem("category", "unknown_category")])
            rows = list(await session.scalars(self._of(slug).with_for_update()))
            if new and rows:
                raise EditorialError("slug_taken")
            if not new and not rows:
                raise EditorialError("not_found")
            open_rows = [row for row in rows if row.state in OPEN_STATES]
            row = max(open_rows, key=lambda r: r.number) if open_rows else None
            if row is None:
                number = max((r.number for r in rows), default=0) + 1
                row = FaqRevisionRecord(slug=slug, number=number, author=actor)
                session.add(row)
            row.state, row.content, row.note = State.DRAFT, content.to_json(), note[:300]
            row.author, row.updated_at = actor, datetime.now(UTC)
            record(session, actor, "faq.draft_saved", f"faq:{slug}", {"version": row.number})
            await session.flush()
            return _revision(row)

    async def submit(self, slug: str, number: int, actor: str) -> Revision:
        """A draft goes to review."""
        return await self._move(slug, number, actor, {State.DRAFT}, State.REVIEW, "submitted")

    async def send_back(self, slug: str, number: int, actor: str) -> Revision:
        """A revision in review goes back to draft."""
        return await self._move(slug, number, actor, {State.REVIEW}, State.DRAFT, "sent_back")

    async def publish(self, slug: str, number: int, actor: str) -> Revision:
        """A draft or reviewed revision is queued for the next training (faq/publisher.py)."""
        async with self._sessions.begin() as session:
            await self._no_publication_running(session, slug)
            return await self._step(
                session, slug, number, actor, OPEN_STATES, State.PUBLISHING, "publish_requested"
            )

    async def rollback(self, slug: str, number: int, actor: str) -> Revision:
        """Publish again what an earlier live revision said, as a new revision."""
        try:
            return await self._rollback(slug, number, actor)
        except IntegrityError:
            raise EditorialError("conflict") from None  # a new version was saved meanwhile

    async def _rollback(self, slug: str, number: int, actor: str) -> Revision:
        async with self._sessions.begin() as session:
            old = await self._row(session, slug, number)
            if old is None:
                raise EditorialError("not_found")
            if old.state not in (State.PUBLISHED, State.SUPERSEDED):
                raise EditorialError("wrong_state")
            await self._no_publication_running(session, slug)
            newest = await session.scalar(
                select(func.max(FaqRevisionRecord.number)).where(FaqRevisionRecord.slug == slug)
            )
            row = FaqRevisionRecord(
                slug=slug,
                number=int(newest or 0) + 1,
                state=State.PUBLISHING,
                content=dict(old.content),
                author=actor,
                note=f"rollback to version {number}",
                published_by=actor,
            )
            session.add(row)
            details = {"version": row.number, "restores": number}
            record(session, actor, "faq.rollback_requested", f"faq:{slug}", details)
            await session.flush()
            return _revision(row)

    async def pending(self) -> list[Revision]:
        """Revisions queued for publishing, by slug."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FaqRevisionRecord)
                .where(FaqRevisionRecord.state == State.PUBLISHING)
                .order_by(FaqRevisionRecord.slug)
            )
            return [_revision(row) for row in rows]

    async def requested_by(self, revision_ids: Collection[int]) -> list[str]:
        """Who asked to publish these revisions."""
        async with self._sessions() as session:
            names = await session.scalars(
                select(FaqRevisionRecord.published_by)
                .where(FaqRevisionRecord.id.in_(revision_ids))
                .distinct()
            )
            return sorted(name for name in names if name)

    async def candidate(self, pending: Sequence[Revision]) -> list[FaqEntryData]:
        """The knowledge base as it will be once `pending` is live."""
        replaced = {revision.slug for revision in pending}
        async with self._sessions() as session:
            rows = await session.scalars(select(FaqEntry).where(FaqEntry.slug.not_in(replaced)))
            live = [_entry(row) for row in rows]
        return sorted(
            live + [e for r in pending for e in r.content.entries(r.slug)],
            key=lambda e: (e.slug, e.language),
        )

    async def go_live(self, revision_ids: Collection[int], actor: str, model: str) -> None:
        """Once the model trained on them is served: these revisions become what the bot
        answers (the live table), the ones they replace are superseded."""
        now = datetime.now(UTC)
        async with self._sessions.begin() as session:
            rows = await session.scalars(_publishing(revision_ids))
            for row in rows:
                await session.execute(
                    update(FaqRevisionRecord)
                    .where(
                        FaqRevisionRecord.slug == row.slug,
                        FaqRevisionRecord.state == State.PUBLISHED,
                    )
                    .values(state=State.SUPERSEDED)
                )
                row.state, row.published_at = State.PUBLISHED, now
                await write_live(session, row.slug, TopicContent.from_json(row.content))
                details = {"version": row.number, "model": model}
                record(session, actor, "faq.published", f"faq:{row.slug}", details)

    async def back_to_review(self, revision_ids: Collection[int], actor: str, reason: str) -> None:
        """A publication failed: its revisions wait in review again."""
        async with self._sessions.begin() as session:
            rows = await session.scalars(_publishing(revision_ids))
            for row in rows:
                row.state = State.REVIEW
                details = {"version": row.number, "reason": reason[:200]}
                record(session, actor, "faq.publish_failed", f"faq:{row.slug}", details)

    async def adopt_live(self, actor: str = "system") -> int:
        """Record what imports and seeding wrote to the live table as published revisions,
        so that history, diff and rollback cover them. Returns how many it recorded."""
        try:
            return await self._adopt_live(actor)
        except IntegrityError:
            return 0  # another request adopted the same change a moment earlier

    async def _adopt_live(self, actor: str) -> int:
        adopted = 0
        async with self._sessions.begin() as session:
            # Revisions first, the live table second: `go_live` commits both together, so
            # a revision read as published has its live rows in place by the second read
            # (read the other way round, a publication in between looks like an import).
            topics: defaultdict[str, list[FaqRevisionRecord]] = defaultdict(list)
            for row in await session.scalars(select(FaqRevisionRecord)):
                topics[row.slug].append(row)
            live: defaultdict[str, list[FaqEntryData]] = defaultdict(list)
            for entry_row in await session.scalars(select(FaqEntry)):
                live[entry_row.slug].append(_entry(entry_row))
            for slug in sorted(set(live) | set(topics)):
                rows = topics[slug]
                if any(row.state == State.PUBLISHING for row in rows):
                    continue  # its live rows change once that publication is done
                content = _adopted(live[slug], rows)
                if content is None:
                    continue
                record_live_version(
                    session, rows, slug, content, actor, ADOPTED_NOTE, "faq.adopted"
                )
                adopted += 1
        return adopted

    def _of(self, slug: str) -> Select[FaqRevisionRecord]:
        return select(FaqRevisionRecord).where(FaqRevisionRecord.slug == slug)

    async def _row(self, session: AsyncSession, slug: str, number: int) -> FaqRevisionRecord | None:
        return await session.scalar(self._of(slug).where(FaqRevisionRecord.number == number))

    async def _no_publication_running(self, session: AsyncSession, slug: str) -> None:
        running = await session.scalar(
            self._of(slug).where(FaqRevisionRecord.state == State.PUBLISHING)
        )
        if running is not None:
            raise EditorialError("busy")

    async def _move(
        self,
        slug: str,
        number: int,
        actor: str,
        sources: Collection[State],
        target: State,
        what: str,
    ) -> Revision:
        async with self._sessions.begin() as session:
            return await self._step(session, slug, number, actor, sources, target, what)

    async def _step(
        self,
        session: AsyncSession,
        slug: str,
        number: int,
        actor: str,
        sources: Collection[State],
        target: State,
        what: str,
    ) -> Revision:
        row = await self._row(session, slug, number)
        if row is None:
            raise EditorialError("not_found")
        if row.state not in sources:
            raise EditorialError("wrong_state")
        row.state, row.updated_at = target, datetime.now(UTC)
        if target is State.PUBLISHING:
            row.published_by = actor
        record(session, actor, f"faq.{what}", f"faq:{slug}", {"version": number})
        await session.flush()
        return _revision(row)


def _publishing(revision_ids: Collection[int]) -> Select[FaqRevisionRecord]:
    """Those of these revisions that are still being published (each is finished once)."""
    return select(FaqRevisionRecord).where(
        FaqRevisionRecord.id.in_(revision_ids), FaqRevisionRecord.state == State.PUBLISHING
    )


def _entry(row: FaqEntry) -> FaqEntryData:
    return FaqEntryData(
        row.slug, row.language, row.category, row.question, row.answer, tuple(row.examples)
    )


def _adopted(live: list[FaqEntryData], rows: list[FaqRevisionRecord]) -> TopicContent | None:
    """The content to record for a topic whose live rows differ from its published
    revision; None when they agree."""
    published = next((row for row in rows if row.state == State.PUBLISHED), None)
    current = TopicContent.from_json(published.content) if published else None
    if live:
        if current is not None and sorted(current.entries(live[0].slug), key=_key) == sorted(
            live, key=_key
        ):
            return None
        return TopicContent.from_entries(sorted(live, key=_key), like=current)
    if current is None or not current.enabled:
        return None
    return replace(current, enabled=False)  # removed from the live table by an import


def _key(entry: FaqEntryData) -> tuple[str, str]:
    return entry.slug, entry.language


def record_live_version(
    session: AsyncSession,
    rows: Sequence[FaqRevisionRecord],
    slug: str,
    content: TopicContent,
    actor: str,
    note: str,
    action: str,
) -> int:
    """Record `content` as the topic's live version without a publication (it is live
    already, or an import makes it live), superseding the one before, with its audit entry
    `action`; its number."""
    for row in rows:
        if row.state == State.PUBLISHED:
            row.state = State.SUPERSEDED
    number = max((row.number for row in rows), default=0) + 1
    session.add(
        FaqRevisionRecord(
            slug=slug,
            number=number,
            state=State.PUBLISHED,
            content=content.to_json(),
            author=actor,
            note=note,
            published_at=datetime.now(UTC),
        )
    )
    record(session, actor, action, f"faq:{slug}", {"version": number})
    return number


async def write_live(session: AsyncSession, slug: str, content: TopicContent) -> None:
    """Make `content` what the bot answers for the topic (nothing while it is disabled)."""
    await session.execute(delete(FaqEntry).where(FaqEntry.slug == slug))
    for entry in content.entries(slug):
        session.add(
            FaqEntry(
                slug=slug,
                language=entry.language,
                category=entry.category,
                question=entry.question,
                answer=entry.answer,
                examples=list(entry.examples),
            )
        )
