"""Publishing in the background: train a model on the knowledge base with the queued
revisions, wait until the NLU server serves it, and only then make those revisions what the
bot answers. Until that moment customers get the previous answers from the previous model;
if training or loading fails, nothing changes for them and the revisions return to review."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import structlog

from faq.editorial import Revision
from faq.model import FaqEntryData
from faq.publications import Publication, PublicationState, SqlPublicationStore
from faq.revision_store import SqlRevisionStore

log = structlog.get_logger(__name__)
Progress = Callable[[str, float | None], None]  # (stage, percent of training or None)
SYSTEM = "system"


class ModelTrainer(Protocol):
    """Trains and serves models; adapter: bot/model_publishing.py (Rasa)."""

    async def train(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        """Train on these entries (reusing a model for the same data), make it the one to
        serve, and return its name as the NLU server reports it."""
        ...

    async def served(self) -> str | None:
        """The name of the model the NLU server answers with now."""
        ...

    async def restore(self, model: str) -> None:
        """Serve `model` again (after a new one would not load)."""
        ...


class Lease(Protocol):
    """Only one process publishes at a time (a Redis lock in production)."""

    async def acquire(self) -> bool:
        """Take the lease if free (or renew it if ours); whether this process holds it."""
        ...

    async def release(self) -> None:
        """Give it up."""
        ...


class AlwaysHeld:
    """The lease of a single process."""

    async def acquire(self) -> bool:
        """Always ours."""
        return True

    async def release(self) -> None:
        """Nothing to give up."""


class BackgroundTraining(Protocol):
    """Training the publisher runs when no publication waits (the test box's candidate)."""

    async def recover(self) -> None:
        """After taking over publishing: a training another process left half done is due
        again."""
        ...

    async def train_requested(self) -> None:
        """Train what was asked for, if anything."""
        ...


@dataclass
class _Reported:
    stage: str = "starting"
    percent: float = 0.0


@contextlib.asynccontextmanager
async def reporting(
    write: Callable[[str, float], Awaitable[None]], poll_seconds: float
) -> AsyncIterator[Progress]:
    """A progress callback for the training thread, and a task that writes its latest stage
    and percent every `poll_seconds` (the thread cannot touch the database itself)."""
    reported = _Reported()

    def progress(stage: str, percent: float | None) -> None:
        reported.stage = stage
        if percent is not None:
            reported.percent = percent

    async def report() -> None:
        last = None
        while True:
            now = (reported.stage, reported.percent)
            if now != last:
                await write(*now)
                last = now
            await asyncio.sleep(poll_seconds)

    reporter = asyncio.create_task(report())
    try:
        yield progress
    finally:
        reporter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reporter


class Publisher:
    """Runs publications one after another; `wake` after queueing a revision."""

    def __init__(
        self,
        revisions: SqlRevisionStore,
        publications: SqlPublicationStore,
        trainer: ModelTrainer,
        lease: Lease | None = None,
        *,
        after_publications: BackgroundTraining | None = None,
        load_timeout: float = 600.0,
        poll_seconds: float = 1.0,
        idle_seconds: float = 10.0,
    ) -> None:
        self._revisions = revisions
        self._publications = publications
        self._trainer = trainer
        self._lease = lease or AlwaysHeld()
        self._after_publications = after_publications
        self._load_timeout = load_timeout
        self._poll = poll_seconds
        self._idle = idle_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """Look for queued revisions now instead of at the next idle check."""
        self._wake.set()

    def stop(self) -> None:
        """End `run` at its next idle moment (a running publication is not waited for: the
        next start publishes its revisions again)."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Publish whatever is queued until `stop`."""
        recovered = False
        while not self._stopping:
            if await self._lease.acquire():
                renewing = asyncio.create_task(self._keep_lease())
                try:
                    if not recovered:
                        await self._publications.interrupt_unfinished()
                        if self._after_publications is not None:
                            await self._after_publications.recover()
                        recovered = True
                    await self.publish_pending()
                    if self._after_publications is not None:
                        await self._after_publications.train_requested()
                except Exception:  # the loop must outlive a database hiccup
                    log.exception("faq_publisher_failed")
                finally:
                    renewing.cancel()
                    await self._lease.release()
            if self._stopping:
                return
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle)

    async def _keep_lease(self) -> None:
        while True:
            await asyncio.sleep(self._idle)
            await self._lease.acquire()

    async def publish_pending(self) -> Publication | None:
        """One publication of everything queued now; None when nothing is."""
        pending = await self._revisions.pending()
        if not pending:
            return None
        ids = [revision.id for revision in pending]
        requested_by = ", ".join(await self._revisions.requested_by(ids)) or SYSTEM
        publication = await self._publications.start(ids, requested_by)
        log.info("faq_publication_started", publication=publication.id, revisions=len(ids))
        try:
            model = await self._train(publication.id, pending)
            await self._until_served(publication.id, model)
        except PublicationError as error:
            await self._revisions.back_to_review(ids, SYSTEM, str(error))
            await self._publications.finish(
                publication.id, PublicationState.FAILED, error=str(error)
            )
            log.warning("faq_publication_failed", publication=publication.id)
        else:
            await self._revisions.go_live(ids, requested_by, model)
            await self._publications.finish(publication.id, PublicationState.LIVE, model=model)
            log.info("faq_publication_live", publication=publication.id, model=model)
        return await self._publications.get(publication.id)

    async def _train(self, publication_id: int, pending: Sequence[Revision]) -> str:
        async def write(stage: str, percent: float) -> None:
            await self._publications.progress(
                publication_id, PublicationState.TRAINING, stage, percent
            )

        entries = await self._revisions.candidate(pending)
        async with reporting(write, self._poll) as progress:
            try:
                return await self._trainer.train(entries, progress)
            except Exception as error:  # any failure keeps the old answers
                raise PublicationError(f"training failed: {error}") from error

    async def _until_served(self, publication_id: int, model: str) -> None:
        previous = await self._trainer.served()
        await self._publications.progress(
            publication_id, PublicationState.LOADING, "loading the new model", 100.0
        )
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._load_timeout
        while await self._trainer.served() != model:
            if loop.time() > deadline:
                if previous and previous != model:
                    await self._trainer.restore(previous)
                raise PublicationError("the NLU server did not load the new model in time")
            await asyncio.sleep(self._poll)


class PublicationError(Exception):
    """Why a publication did not go live."""
