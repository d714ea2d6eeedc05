"""The candidate model: the knowledge base as it will be once every open draft is live,
trained on request so that the test box can ask a real model what it would answer before
anything is published. The publisher trains it when no publication waits (one training at
a time on a small server). A candidate is named by its training data, so an edited draft
asks for another candidate, and publishing exactly the tested drafts reuses the model."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import structlog

from faq.model import FaqEntryData
from faq.publisher import Progress, reporting
from faq.revision_store import SqlRevisionStore

log = structlog.get_logger(__name__)


class CandidateState(StrEnum):
    """Where the candidate for the current drafts is."""

    NOT_TRAINED = "not_trained"
    QUEUED = "queued"
    TRAINING = "training"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CandidateStatus:
    """The candidate for one set of drafts (its model file) and its training's progress."""

    state: CandidateState
    model: str
    stage: str = ""
    percent: float = 0.0
    error: str = ""
    requested_by: str = ""


class CandidateModels(Protocol):
    """Trains candidate models without serving them; adapter: bot/model_publishing.py."""

    def name_for(self, entries: Sequence[FaqEntryData]) -> str:
        """The model file these entries train into."""
        ...

    def exists(self, model: str) -> bool:
        """The model file is trained and on disk."""
        ...

    async def train_candidate(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        """Train on the entries (reusing a model for the same data); not made live."""
        ...


class CandidateRecord(Protocol):
    """The latest request and its progress, shared by all web processes (Redis)."""

    async def get(self) -> CandidateStatus | None:
        """The recorded status, if any."""
        ...

    async def put(self, status: CandidateStatus) -> None:
        """Record the status."""
        ...


class Candidates:
    """Asks for, trains and reports the candidate of the current drafts."""

    def __init__(
        self,
        revisions: SqlRevisionStore,
        models: CandidateModels,
        record: CandidateRecord,
        poll_seconds: float = 1.0,
    ) -> None:
        self._revisions = revisions
        self._models = models
        self._record = record
        self._poll = poll_seconds

    async def entries(self) -> list[FaqEntryData]:
        """The knowledge base with each topic's newest unpublished version in place."""
        unpublished = [
            newest
            for topic in await self._revisions.topics()
            if (newest := topic.open or topic.pending) is not None
        ]
        return await self._revisions.candidate(unpublished)

    async def status(self, entries: Sequence[FaqEntryData] | None = None) -> CandidateStatus:
        """The candidate of the drafts as they are now (`entries`, if the caller read them)."""
        chosen = await self.entries() if entries is None else entries
        return await self._status_of(self._models.name_for(chosen))

    async def _status_of(self, model: str) -> CandidateStatus:
        if self._models.exists(model):
            return CandidateStatus(CandidateState.READY, model)
        recorded = await self._record.get()
        if recorded is not None and recorded.model == model:
            return recorded
        return CandidateStatus(CandidateState.NOT_TRAINED, model)

    async def request(self, actor: str) -> CandidateStatus:
        """Queue a training of the current drafts' candidate (once: a second request while
        one waits or runs changes nothing)."""
        status = await self.status()
        if status.state in {CandidateState.READY, CandidateState.QUEUED, CandidateState.TRAINING}:
            return status
        queued = CandidateStatus(CandidateState.QUEUED, status.model, requested_by=actor)
        await self._record.put(queued)
        log.info("faq_candidate_requested", model=status.model)
        return queued

    async def recover(self) -> None:
        """A training that was running when its process stopped is queued again."""
        recorded = await self._record.get()
        if recorded is not None and recorded.state is CandidateState.TRAINING:
            await self._record.put(dataclasses.replace(recorded, state=CandidateState.QUEUED))

    async def train_requested(self) -> None:
        """Train the queued candidate, on the drafts as they are now (they may have changed
        since the request)."""
        recorded = await self._record.get()
        if recorded is None or recorded.state is not CandidateState.QUEUED:
            return
        entries = await self.entries()
        training = CandidateStatus(
            CandidateState.TRAINING,
            self._models.name_for(entries),
            stage="starting",
            requested_by=recorded.requested_by,
        )
        await self._record.put(training)

        async def write(stage: str, percent: float) -> None:
            await self._record.put(dataclasses.replace(training, stage=stage, percent=percent))

        try:
            async with reporting(write, self._poll) as progress:
                model = await self._models.train_candidate(entries, progress)
        except Exception as error:  # reported in the test box; nothing live depends on it
            log.warning("faq_candidate_failed", model=training.model, error=str(error))
            failed = dataclasses.replace(training, state=CandidateState.FAILED, error=str(error))
            await self._record.put(failed)
        else:
            log.info("faq_candidate_trained", model=model)
            await self._record.put(dataclasses.replace(training, state=CandidateState.READY))
