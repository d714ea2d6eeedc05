"""FaqRepository contract: the memory and SQL adapters (SQLite, PostgreSQL) behave alike."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.storage.database import SessionFactory
from faq.memory_store import MemoryFaqRepository
from faq.model import Category, FaqEntryData
from faq.ports import FaqRepository
from faq.seed import seed_faq
from faq.sql_store import SqlFaqRepository

OPENING_DE = FaqEntryData(
    slug="opening_hours",
    language="de",
    category="allgemein",
    question="Wann haben Sie geöffnet?",
    answer="Mo–Fr 7–17 Uhr. Grüße aus Köln 👋",
    examples=("Öffnungszeiten?", "Habt ihr Samstag auf? 🙂", "Wann ist euer Büro besetzt"),
)


def _entry(slug: str, language: str) -> FaqEntryData:
    return FaqEntryData(slug, language, "general", f"{slug}?", f"{slug} in {language}", ("x",))


@pytest.fixture
def repository(backend_sessions: SessionFactory | None) -> FaqRepository:
    """The adapter under test, on an empty store."""
    if backend_sessions is None:
        return MemoryFaqRepository()
    return SqlFaqRepository(backend_sessions)


async def test_get_unknown_slug_or_language_is_none(repository: FaqRepository) -> None:
    """Only the exact (slug, language) pair is found."""
    await repository.upsert(OPENING_DE)

    assert await repository.get("returns", "de") is None
    assert await repository.get(OPENING_DE.slug, "en") is None


async def test_upsert_then_get_round_trips_every_field(repository: FaqRepository) -> None:
    """What goes in comes out: umlauts, emoji, examples as a tuple in their order."""
    await repository.upsert(OPENING_DE)

    stored = await repository.get(OPENING_DE.slug, OPENING_DE.language)

    assert stored == OPENING_DE
    assert stored is not None
    assert isinstance(stored.examples, tuple)


async def test_upsert_of_existing_entry_replaces_it(repository: FaqRepository) -> None:
    """Same slug and language: the entry is replaced, not duplicated."""
    await repository.upsert(OPENING_DE)
    changed = replace(
        OPENING_DE, category="service", answer="Jetzt auch samstags ☀️", examples=("Samstag?",)
    )

    await repository.upsert(changed)

    assert await repository.get(OPENING_DE.slug, OPENING_DE.language) == changed
    assert list(await repository.all_entries()) == [changed]


async def test_slugs_are_the_distinct_slugs(repository: FaqRepository) -> None:
    """One slug per topic, however many languages it has."""
    assert await repository.slugs() == frozenset()
    for slug, language in [("returns", "de"), ("returns", "en"), ("delivery_time", "de")]:
        await repository.upsert(_entry(slug, language))

    assert await repository.slugs() == frozenset({"returns", "delivery_time"})


async def test_all_entries_are_ordered_by_slug_then_language(repository: FaqRepository) -> None:
    """Insertion order does not leak into the listing."""
    inserted = [("returns", "en"), ("delivery_time", "en"), ("returns", "de"), ("invoice", "de")]
    for slug, language in inserted:
        await repository.upsert(_entry(slug, language))

    listed = [(entry.slug, entry.language) for entry in await repository.all_entries()]

    assert listed == [
        ("delivery_time", "en"),
        ("invoice", "de"),
        ("returns", "de"),
        ("returns", "en"),
    ]


async def test_seeding_keeps_edited_entries_unless_told_to_replace() -> None:
    repository = MemoryFaqRepository()
    assert await seed_faq(repository) == 40
    edited = replace(
        (await repository.get("shipping_costs", "de")) or pytest.fail("not seeded"),
        answer="edited by an administrator",
    )
    await repository.upsert(edited)
    assert await seed_faq(repository) == 0
    assert (await repository.get("shipping_costs", "de")) == edited
    assert await seed_faq(repository, replace=True) == 40
    assert (await repository.get("shipping_costs", "de")) != edited


async def test_an_import_adds_changes_and_keeps_and_counts_each(repository: FaqRepository) -> None:
    await repository.upsert(OPENING_DE)
    await repository.upsert(_entry("returns", "de"))
    edited = replace(OPENING_DE, answer="Mo–Fr 7–18 Uhr")
    summary = await repository.write_all(
        [edited, _entry("returns", "de"), _entry("newsletter", "en")]
    )
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (1, 1, 1, 0)
    assert await repository.get("opening_hours", "de") == edited
    assert await repository.slugs() == {"opening_hours", "returns", "newsletter"}


async def test_an_import_that_replaces_removes_what_the_file_does_not_have(
    repository: FaqRepository,
) -> None:
    await repository.upsert(OPENING_DE)
    await repository.upsert(_entry("returns", "de"))
    summary = await repository.write_all([OPENING_DE], replace=True)
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (0, 0, 1, 1)
    assert await repository.all_entries() == [OPENING_DE]


async def test_an_import_names_orders_and_creates_the_categories(
    repository: FaqRepository,
) -> None:
    await repository.write_all(
        [OPENING_DE, _entry("returns", "de")],
        categories=[Category("general", {"de": "Allgemeines"}), Category("allgemein")],
    )
    assert [(c.slug, c.names, c.position) for c in await repository.categories()] == [
        ("general", {"de": "Allgemeines"}, 0),
        ("allgemein", {}, 1),
    ]
    # Names a file leaves out stay; listed categories come first; a used one is created.
    await repository.write_all(
        [replace(OPENING_DE, category="service")],
        categories=[Category("allgemein", {"en": "General"}), Category("general", {"en": "Misc"})],
    )
    assert [(c.slug, c.names, c.position) for c in await repository.categories()] == [
        ("allgemein", {"en": "General"}, 0),
        ("general", {"de": "Allgemeines", "en": "Misc"}, 1),
        ("service", {}, 2),
    ]


async def test_an_import_that_replaces_drops_the_categories_nothing_uses(
    repository: FaqRepository,
) -> None:
    await repository.write_all(
        [OPENING_DE, _entry("returns", "de")],
        categories=[Category("general", {"de": "Allgemeines"}), Category("unused")],
    )
    await repository.write_all([_entry("returns", "de")], replace=True)
    assert [c.slug for c in await repository.categories()] == ["general"]


async def test_seeding_adds_the_demo_categories_but_keeps_renamed_ones() -> None:
    repository = MemoryFaqRepository()
    await seed_faq(repository)
    categories = await repository.categories()
    assert [c.slug for c in categories][:3] == ["contact", "shipping", "payment"]
    assert categories[1].name("en") == "Shipping & delivery"
    await repository.write_all([], categories=[Category("shipping", {"de": "Lieferung"})])
    await seed_faq(repository)
    assert next(c for c in await repository.categories() if c.slug == "shipping").names == {
        "de": "Lieferung",
        "en": "Shipping & delivery",
    }
