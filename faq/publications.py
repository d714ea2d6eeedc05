"""Publications in SQL: each background retrain that takes revisions live, with the
progress the admin page shows while it runs."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import select, update

from bot.storage.database import SessionFactory
from bot.storage.models import FaqPublicationRecord, as_utc

INTERRUPTED = "interrupted by a restart; published again"


class PublicationState(StrEnum):
    """How far a publication is."""

    TRAINING = "training"  # the model learns the new knowledge base
    LOADING = "loading"  # trained; waiting until the NLU server serves it
    LIVE = "live"  # the bot answers from the new revisions
    FAILED = "failed"  # the previous answers stay; the revisions are back in review


@dataclass(frozen=True, slots=True)
class Publication:
    """One publication, as the admin page and the API show it."""

    id: int
    state: PublicationState
    stage: str
    percent: float
    revision_ids: tuple[int, ...]
    requested_by: str
    model: str
    error: str
    started_at: datetime
    finished_at: datetime | None

    @property
    def running(self) -> bool:
        """Not yet live or failed."""
        return self.state in (PublicationState.TRAINING, PublicationState.LOADING)


def _publication(row: FaqPublicationRecord) -> Publication:
    return Publication(
        id=row.id,
        state=PublicationState(row.state),
        stage=row.stage,
        percent=row.percent,
        revision_ids=tuple(row.revision_ids),
        requested_by=row.requested_by,
        model=row.model,
        error=row.error,
        started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at) if row.finished_at else None,
    )


class SqlPublicationStore:
    """The faq_publications table."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def start(self, revision_ids: Collection[int], requested_by: str) -> Publication:
        """A new publication, training."""
        row = FaqPublicationRecord(
            state=PublicationState.TRAINING,
            stage="queued",
            revision_ids=sorted(revision_ids),
            requested_by=requested_by[:64],
        )
        async with self._sessions.begin() as session:
            session.add(row)
            await session.flush()
            return _publication(row)

    async def progress(
        self, publication_id: int, state: PublicationState, stage: str, percent: float
    ) -> None:
        """Where a running publication is now."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(FaqPublicationRecord)
                .where(FaqPublicationRecord.id == publication_id)
                .values(state=state, stage=stage[:100], percent=round(percent, 1))
            )

    async def finish(
        self, publication_id: int, state: PublicationState, model: str = "", error: str = ""
    ) -> None:
        """A publication is live or failed."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(FaqPublicationRecord)
                .where(FaqPublicationRecord.id == publication_id)
                .values(
                    state=state,
                    model=model[:100],
                    error=error[-2000:],
                    percent=100.0
                    if state is PublicationState.LIVE
                    else FaqPublicationRecord.percent,
                    finished_at=datetime.now(UTC),
                )
            )

    async def interrupt_unfinished(self) -> int:
        """Mark publications a stopped process left running as failed (their revisions are
        still queued and go into the next publication)."""
        async with self._sessions.begin() as session:
            result = await session.execute(
                update(FaqPublicationRecord)
                .where(
                    FaqPublicationRecord.state.in_(
                        [PublicationState.TRAINING, PublicationState.LOADING]
                    )
                )
                .values(
                    state=PublicationState.FAILED, error=INTERRUPTED, finished_at=datetime.now(UTC)
                )
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def get(self, publication_id: int) -> Publication | None:
        """One publication."""
        async with self._sessions() as session:
            row = await session.get(FaqPublicationRecord, publication_id)
            return _publication(row) if row else None

    async def recent(self, limit: int = 20) -> list[Publication]:
        """The newest publications first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(FaqPublicationRecord).order_by(FaqPublicationRecord.id.desc()).limit(limit)
            )
            return [_publication(row) for row in rows]
