"""The test box's candidate model on a real (SQLite) database and a real (embedded) Redis:
requested once, trained by the publisher on the knowledge base with the open drafts, named
by that data (an edited draft needs a new one), failures reported, an interrupted training
taken up again, and publications first."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence

import pytest
import redis.asyncio as aioredis

from bot.model_publishing import RedisCandidateRecord
from bot.storage.database import SessionFactory
from faq.candidates import Candidates, CandidateState, CandidateStatus
from faq.categories import SqlCategories
from faq.editorial import TopicContent, Wording
from faq.model import FaqEntryData
from faq.publications import SqlPublicationStore
from faq.publisher import Progress, Publisher
from faq.revision_store import SqlRevisionStore
from faq.sql_store import SqlFaqRepository

SHIPPING = FaqEntryData(
    "shipping_costs",
    "de",
    "shipping",
    "Was kostet der Versand?",
    "Ab 250 € frei.",
    ("versandkosten", "was kostet versand"),
)


@pytest.fixture(autouse=True)
async def categories(sessions: SessionFactory) -> None:
    """The categories the topics here are filed under (a draft needs an existing one)."""
    for slug in ("after_sales", "shipping"):
        await SqlCategories(sessions).save(slug, {"de": slug.title()}, "anna")


def battery(examples: tuple[str, ...] = ("akku rücknahme", "altakkus entsorgen")) -> TopicContent:
    return TopicContent(
        category="after_sales",
        owner="Service-Team",
        wordings={
            "de": Wording(
                "Nehmen Sie alte Akkus zurück?", "Ja, kostenlos an jeder Filiale.", examples
            )
        },
    )


class CandidateTrainer:
    """Names models by their entries as Rasa's trainer does by its data; trains instantly."""

    def __init__(self, fail: bool = False) -> None:
        self.on_disk: set[str] = set()
        self.trained: list[list[FaqEntryData]] = []
        self.fail = fail

    def name_for(self, entries: Sequence[FaqEntryData]) -> str:
        digest = hashlib.sha256(repr(sorted(entries, key=repr)).encode()).hexdigest()[:12]
        return f"nlu-{digest}.tar.gz"

    def exists(self, model: str) -> bool:
        return model in self.on_disk

    async def train_candidate(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        if self.fail:
            raise RuntimeError("rasa train failed with exit code 1")
        progress("training DIETClassifier", 40.0)
        self.trained.append(list(entries))
        self.on_disk.add(self.name_for(entries))
        return self.name_for(entries)


async def drafted(sessions: SessionFactory) -> SqlRevisionStore:
    """The live shipping entry and an open draft of a new battery topic."""
    await SqlFaqRepository(sessions).upsert(SHIPPING)
    revisions = SqlRevisionStore(sessions)
    await revisions.adopt_live()
    await revisions.save_draft("battery_take_back", battery(), "erika", new=True)
    return revisions


async def test_a_requested_candidate_is_trained_on_the_drafts_and_then_ready(
    sessions: SessionFactory, redis: aioredis.Redis
) -> None:
    revisions = await drafted(sessions)
    trainer = CandidateTrainer()
    candidates = Candidates(revisions, trainer, RedisCandidateRecord(redis, "test:candidate"))
    assert (await candidates.status()).state is CandidateState.NOT_TRAINED

    queued = await candidates.request("erika")
    assert (queued.state, queued.requested_by) == (CandidateState.QUEUED, "erika")
    assert (await candidates.request("anna")).requested_by == "erika", "one request is enough"
    await candidates.train_requested()

    status = await candidates.status()
    assert status.state is CandidateState.READY
    assert [{e.slug for e in entries} for entries in trainer.trained] == [
        {"battery_take_back", "shipping_costs"}
    ]
    draft = next(e for e in trainer.trained[0] if e.slug == "battery_take_back")
    assert draft.examples == ("akku rücknahme", "altakkus entsorgen")
    assert await SqlFaqRepository(sessions).get("battery_take_back", "de") is None, "not live"


async def test_an_edited_draft_needs_a_new_candidate(
    sessions: SessionFactory, redis: aioredis.Redis
) -> None:
    revisions = await drafted(sessions)
    trainer = CandidateTrainer()
    candidates = Candidates(revisions, trainer, RedisCandidateRecord(redis, "test:candidate"))
    await candidates.request("erika")
    await candidates.train_requested()
    trained = (await candidates.status()).model

    await revisions.save_draft(
        "battery_take_back", battery(("akkus zurückgeben", "batterie abgeben")), "erika"
    )
    status = await candidates.status()
    assert status.state is CandidateState.NOT_TRAINED
    assert status.model != trained


async def test_the_drafts_as_they_are_at_training_time_are_trained(
    sessions: SessionFactory, redis: aioredis.Redis
) -> None:
    revisions = await drafted(sessions)
    trainer = CandidateTrainer()
    candidates = Candidates(revisions, trainer, RedisCandidateRecord(redis, "test:candidate"))
    await candidates.request("erika")
    await revisions.save_draft(
        "battery_take_back", battery(("akkus zurückgeben", "batterie abgeben")), "erika"
    )
    await candidates.train_requested()
    assert (await candidates.status()).state is CandidateState.READY


async def test_a_failed_training_is_reported_and_can_be_requested_again(
    sessions: SessionFactory, redis: aioredis.Redis
) -> None:
    revisions = await drafted(sessions)
    trainer = CandidateTrainer(fail=True)
    candidates = Candidates(revisions, trainer, RedisCandidateRecord(redis, "test:candidate"))
    await candidates.request("erika")
    await candidates.train_requested()
    failed = await candidates.status()
    assert failed.state is CandidateState.FAILED
    assert "exit code 1" in failed.error

    trainer.fail = False
    assert (await candidates.request("erika")).state is CandidateState.QUEUED
    await candidates.train_requested()
    assert (await candidates.status()).state is CandidateState.READY


async def test_a_training_cut_off_by_a_restart_is_queued_again(
    sessions: SessionFactory, redis: aioredis.Redis
) -> None:
    revisions = await drafted(sessions)
    record = RedisCandidateRecord(redis, "test:candidate")
    trainer = CandidateTrainer()
    candidates = Candidates(revisions, trainer, record)
    model = (await candidates.status()).model
    await record.put(CandidateStatus(CandidateState.TRAINING, model, "training", 30.0, "", "erika"))

    await candidates.recover()
    assert (await candidates.status()).state is CandidateState.QUEUED
    await candidates.train_requested()
    assert (await candidates.status()).state is CandidateState.READY


async def test_the_record_keeps_every_field_in_redis(redis: aioredis.Redis) -> None:
    record = RedisCandidateRecord(redis, "test:candidate")
    assert await record.get() is None
    status = CandidateStatus(CandidateState.FAILED, "nlu-1.tar.gz", "training", 12.5, "no", "erika")
    await record.put(status)
    assert await RedisCandidateRecord(redis, "test:candidate").get() == status


class Trainer(CandidateTrainer):
    """Also publishes (instantly served), recording the order of the trainings."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.served_model: str | None = None

    async def train(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        self.order.append("publication")
        self.served_model = self.name_for(entries)
        return self.served_model

    async def train_candidate(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        self.order.append("candidate")
        return await super().train_candidate(entries, progress)

    async def served(self) -> str | None:
        return self.served_model

    async def restore(self, model: str) -> None:
        self.served_model = model


async def test_the_publisher_trains_the_candidate_after_waiting_publications(
    sessions: SessionFactory, redis: aioredis.Redis
) -> None:
    revisions = await drafted(sessions)
    await revisions.save_draft(
        "returns_period", battery(("rückgabe frist", "wie lange zurückgeben")), "erika", new=True
    )
    await revisions.submit("returns_period", 1, "erika")
    await revisions.publish("returns_period", 1, "anna")
    trainer = Trainer()
    candidates = Candidates(revisions, trainer, RedisCandidateRecord(redis, "test:candidate"))
    await candidates.request("erika")
    publisher = Publisher(
        revisions,
        SqlPublicationStore(sessions),
        trainer,
        after_publications=candidates,
        poll_seconds=0.01,
        idle_seconds=0.05,
    )
    running = asyncio.create_task(publisher.run())
    try:
        for _ in range(200):
            if (await candidates.status()).state is CandidateState.READY:
                break
            await asyncio.sleep(0.02)
    finally:
        publisher.stop()
        await running
    assert trainer.order == ["publication", "candidate"]
    assert (await candidates.status()).state is CandidateState.READY
