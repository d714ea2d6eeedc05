"""The editorial workflow on a real (SQLite) database: drafts, review, publishing through a
trainer that behaves like the NLU server (the new model is served only after a while),
rollback, outside changes adopted as revisions, and the audit log of it all."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from bot.storage.audit import AuditLog
from bot.storage.database import SessionFactory
from faq.categories import SqlCategories
from faq.editorial import EditorialError, State, TopicContent, Wording
from faq.model import FaqEntryData
from faq.publications import PublicationState, SqlPublicationStore
from faq.publisher import Progress, Publisher
from faq.revision_store import SqlRevisionStore
from faq.sql_store import SqlFaqRepository

BATTERY = TopicContent(
    category="after_sales",
    owner="Service-Team",
    wordings={
        "de": Wording(
            "Nehmen Sie alte Akkus zurück?",
            "Ja, alte Akkus nehmen wir kostenlos zurück.",
            ("akku rücknahme", "altakkus entsorgen"),
        )
    },
)
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


class ServingTrainer:
    """Trains instantly; the NLU server serves the new model after `load_polls` checks."""

    def __init__(self, load_polls: int = 2, fail: bool = False) -> None:
        self.served_model = "nlu-start.tar.gz"
        self.trained: list[list[FaqEntryData]] = []
        self.answers_seen_while_loading: list[list[FaqEntryData]] = []
        self._load_polls = load_polls
        self._fail = fail
        self._wanted: str | None = None
        self._polls = 0
        self.live: SqlFaqRepository | None = None

    async def train(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        if self._fail:
            raise RuntimeError("rasa train failed with exit code 1")
        progress("training DIETClassifier", 50.0)
        self.trained.append(list(entries))
        self._wanted, self._polls = f"nlu-{len(self.trained)}.tar.gz", 0
        return self._wanted

    async def served(self) -> str | None:
        if self._wanted and self.served_model != self._wanted:
            self._polls += 1
            if self.live is not None:
                self.answers_seen_while_loading.append(list(await self.live.all_entries()))
            if self._polls > self._load_polls:
                self.served_model = self._wanted
        return self.served_model

    async def restore(self, model: str) -> None:
        self._wanted = model


def publisher(sessions: SessionFactory, trainer: ServingTrainer) -> Publisher:
    return Publisher(
        SqlRevisionStore(sessions), SqlPublicationStore(sessions), trainer, poll_seconds=0.01
    )


async def test_a_draft_goes_live_only_once_the_new_model_is_served(
    sessions: SessionFactory,
) -> None:
    live = SqlFaqRepository(sessions)
    await live.upsert(SHIPPING)
    revisions = SqlRevisionStore(sessions)
    draft = await revisions.save_draft("battery_take_back", BATTERY, "erika", new=True)
    assert (draft.number, draft.state) == (1, State.DRAFT)
    await revisions.submit("battery_take_back", 1, "erika")
    await revisions.publish("battery_take_back", 1, "anna")
    assert await live.get("battery_take_back", "de") is None  # queued, not answered yet

    trainer = ServingTrainer()
    trainer.live = live
    publication = await publisher(sessions, trainer).publish_pending()

    assert publication is not None
    assert publication.state is PublicationState.LIVE
    assert publication.model == "nlu-1.tar.gz"
    assert publication.requested_by == "anna"
    assert {e.slug for e in trainer.trained[0]} == {"battery_take_back", "shipping_costs"}
    assert trainer.answers_seen_while_loading, "the publisher waited for the model"
    assert all(
        "battery_take_back" not in {e.slug for e in seen}
        for seen in trainer.answers_seen_while_loading
    ), "the new answer was live before its model"
    entry = await live.get("battery_take_back", "de")
    assert entry is not None
    assert entry.answer == BATTERY.wordings["de"].answer
    topic = await revisions.topic("battery_take_back")
    assert topic is not None
    assert topic.live is not None
    assert topic.live.number == 1
    entries, _total = await AuditLog(sessions).recent()
    on_topic = [e for e in reversed(entries) if e.target == "faq:battery_take_back"]
    assert [(e.actor, e.action) for e in on_topic] == [
        ("erika", "faq.draft_saved"),
        ("erika", "faq.submitted"),
        ("anna", "faq.publish_requested"),
        ("anna", "faq.published"),
    ]


async def test_a_failed_training_keeps_the_old_answers_and_returns_to_review(
    sessions: SessionFactory,
) -> None:
    revisions = SqlRevisionStore(sessions)
    await revisions.save_draft("battery_take_back", BATTERY, "erika", new=True)
    await revisions.publish("battery_take_back", 1, "anna")
    publication = await publisher(sessions, ServingTrainer(fail=True)).publish_pending()
    assert publication is not None
    assert publication.state is PublicationState.FAILED
    assert "exit code 1" in publication.error
    assert await SqlFaqRepository(sessions).get("battery_take_back", "de") is None
    topic = await revisions.topic("battery_take_back")
    assert topic is not None
    assert topic.open is not None
    assert topic.open.state is State.REVIEW


async def test_a_model_that_never_loads_fails_and_the_previous_one_is_restored(
    sessions: SessionFactory,
) -> None:
    revisions = SqlRevisionStore(sessions)
    await revisions.save_draft("battery_take_back", BATTERY, "erika", new=True)
    await revisions.publish("battery_take_back", 1, "anna")
    trainer = ServingTrainer(load_polls=10_000)
    slow = Publisher(
        revisions, SqlPublicationStore(sessions), trainer, poll_seconds=0.01, load_timeout=0.2
    )
    publication = await slow.publish_pending()
    assert publication is not None
    assert publication.state is PublicationState.FAILED
    assert trainer._wanted == "nlu-start.tar.gz"  # the gateway was pointed back


async def test_rollback_publishes_the_old_wording_as_a_new_version(
    sessions: SessionFactory,
) -> None:
    revisions = SqlRevisionStore(sessions)
    live = SqlFaqRepository(sessions)
    await live.upsert(SHIPPING)
    assert await revisions.adopt_live() == 1  # seeded content becomes version 1
    assert await revisions.adopt_live() == 0
    content = TopicContent.from_entries([SHIPPING])
    changed = TopicContent(
        "shipping", {"de": Wording(SHIPPING.question, "Ab 500 € frei.", SHIPPING.examples)}
    )
    assert changed != content
    await revisions.save_draft("shipping_costs", changed, "erika")
    await revisions.publish("shipping_costs", 2, "anna")
    trainer = ServingTrainer(load_polls=0)
    await publisher(sessions, trainer).publish_pending()
    entry = await live.get("shipping_costs", "de")
    assert entry is not None
    assert entry.answer == "Ab 500 € frei."

    rolled = await revisions.rollback("shipping_costs", 1, "anna")
    assert (rolled.number, rolled.state) == (3, State.PUBLISHING)
    await publisher(sessions, trainer).publish_pending()
    entry = await live.get("shipping_costs", "de")
    assert entry is not None
    assert entry.answer == "Ab 250 € frei."
    states = [(r.number, r.state) for r in await revisions.history("shipping_costs")]
    assert states == [(3, State.PUBLISHED), (2, State.SUPERSEDED), (1, State.SUPERSEDED)]


async def test_steps_out_of_order_and_invalid_drafts_are_refused(
    sessions: SessionFactory,
) -> None:
    revisions = SqlRevisionStore(sessions, reserved_slugs={"greet"})
    with pytest.raises(EditorialError) as invalid:
        await revisions.save_draft(
            "greet", TopicContent("general", {"de": Wording("", "a", ("b",))}), "erika", new=True
        )
    assert {(p.field, p.code) for p in invalid.value.problems} == {
        ("slug", "slug_reserved"),
        ("de.question", "required"),
        ("de.examples", "few_examples"),
    }
    await revisions.save_draft("battery_take_back", BATTERY, "erika", new=True)
    with pytest.raises(EditorialError, match="slug_taken"):
        await revisions.save_draft("battery_take_back", BATTERY, "erika", new=True)
    with pytest.raises(EditorialError, match="wrong_state"):
        await revisions.send_back("battery_take_back", 1, "anna")  # a draft, not in review
    with pytest.raises(EditorialError, match="wrong_state"):
        await revisions.rollback("battery_take_back", 1, "anna")  # never live
    await revisions.publish("battery_take_back", 1, "anna")
    second = await revisions.save_draft("battery_take_back", BATTERY, "erika")
    assert second.number == 2  # a new draft while version 1 is being published
    with pytest.raises(EditorialError, match="busy"):
        await revisions.publish("battery_take_back", 2, "anna")


async def test_an_interrupted_publication_is_marked_and_its_revisions_published_again(
    sessions: SessionFactory,
) -> None:
    revisions, publications = SqlRevisionStore(sessions), SqlPublicationStore(sessions)
    await revisions.save_draft("battery_take_back", BATTERY, "erika", new=True)
    revision = await revisions.publish("battery_take_back", 1, "anna")
    stale = await publications.start([revision.id], "anna")  # a process died during it
    task = asyncio.create_task(publisher(sessions, ServingTrainer(load_polls=0)).run())
    try:
        for _ in range(500):
            newest = await publications.recent(1)
            if newest and newest[0].state is PublicationState.LIVE:
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
    old = await publications.get(stale.id)
    assert old is not None
    assert old.state is PublicationState.FAILED
    assert "restart" in old.error
    assert await SqlFaqRepository(sessions).get("battery_take_back", "de") is not None


async def test_what_a_publication_wrote_is_not_taken_for_an_outside_change(
    sessions: SessionFactory,
) -> None:
    revisions = SqlRevisionStore(sessions)
    await revisions.save_draft("battery_take_back", BATTERY, "erika", new=True)
    await revisions.publish("battery_take_back", 1, "anna")
    assert await revisions.adopt_live() == 0  # publishing: the live rows are not yet its own
    await publisher(sessions, ServingTrainer(load_polls=0)).publish_pending()
    assert await revisions.adopt_live() == 0
    await SqlFaqRepository(sessions).upsert(  # an import changes the answer
        FaqEntryData("battery_take_back", "de", "after_sales", "Akkus?", "Ja.", ("akku", "akkus"))
    )
    assert await revisions.adopt_live() == 1
    history = await revisions.history("battery_take_back")
    assert [(r.number, r.state, r.author) for r in history] == [
        (2, State.PUBLISHED, "system"),
        (1, State.SUPERSEDED, "erika"),
    ]
    assert history[0].content.owner == "Service-Team"  # kept from the version it replaces
