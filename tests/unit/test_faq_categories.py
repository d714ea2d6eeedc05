"""The menu's categories on a real (SQLite) database: named, moved, added and deleted by an
admin with an audit entry each, refused when malformed or still in use, and a draft needs an
existing one."""

from __future__ import annotations

import pytest

from bot.storage.audit import AuditLog
from bot.storage.database import SessionFactory
from faq.categories import SqlCategories
from faq.editorial import EditorialError, TopicContent, Wording
from faq.model import FaqEntryData
from faq.revision_store import SqlRevisionStore
from faq.sql_store import SqlFaqRepository

TOOLS = TopicContent(
    category="tools",
    wordings={
        "de": Wording("Verleihen Sie Werkzeug?", "Ja, tageweise.", ("werkzeug leihen", "miete"))
    },
)


async def order(categories: SqlCategories) -> list[str]:
    return [category.slug for category in await categories.all()]


async def test_categories_are_added_last_renamed_in_place_and_moved(
    sessions: SessionFactory,
) -> None:
    categories = SqlCategories(sessions)
    for slug in ("contact", "shipping", "returns"):
        await categories.save(slug, {"de": slug.title()}, "anna")
    assert await order(categories) == ["contact", "shipping", "returns"]

    await categories.save("shipping", {"de": "Versand", "en": "Shipping"}, "anna")
    assert await order(categories) == ["contact", "shipping", "returns"], "a rename stays put"
    assert (await categories.all())[1].names == {"de": "Versand", "en": "Shipping"}

    await categories.save("returns", {"de": "Returns"}, "anna", position=0)
    assert await order(categories) == ["returns", "contact", "shipping"]
    await categories.save("returns", {"de": "Returns"}, "anna", position=99)
    assert await order(categories) == ["contact", "shipping", "returns"]
    assert [c.position for c in await categories.all()] == [0, 1, 2]

    entries, _total = await AuditLog(sessions).recent()
    assert {(e.actor, e.action, e.target) for e in entries} >= {
        ("anna", "faq.category_saved", "category:shipping"),
        ("anna", "faq.category_saved", "category:returns"),
    }


@pytest.mark.parametrize(
    ("slug", "names", "field", "code"),
    [
        ("Bad Key", {"de": "Gut"}, "slug", "slug_format"),
        ("x" * 33, {"de": "Gut"}, "slug", "slug_format"),
        ("tools", {"en": "Tools"}, "de.name", "required"),
        ("tools", {"de": "   "}, "de.name", "required"),
        ("tools", {"de": "W" * 25}, "de.name", "too_long"),
    ],
)
async def test_a_malformed_category_is_refused_with_its_problem(
    sessions: SessionFactory, slug: str, names: dict[str, str], field: str, code: str
) -> None:
    with pytest.raises(EditorialError) as refused:
        await SqlCategories(sessions).save(slug, names, "anna")
    assert (refused.value.code, [(p.field, p.code) for p in refused.value.problems]) == (
        "invalid",
        [(field, code)],
    )
    assert await SqlCategories(sessions).all() == []


async def test_a_draft_needs_an_existing_category(sessions: SessionFactory) -> None:
    revisions = SqlRevisionStore(sessions)
    with pytest.raises(EditorialError) as refused:
        await revisions.save_draft("tool_rental", TOOLS, "erika", new=True)
    assert [(p.field, p.code) for p in refused.value.problems] == [("category", "unknown_category")]
    await SqlCategories(sessions).save("tools", {"de": "Werkzeug"}, "anna")
    draft = await revisions.save_draft("tool_rental", TOOLS, "erika", new=True)
    assert draft.content.category == "tools"


async def test_a_category_in_use_by_a_draft_or_a_live_topic_cannot_be_deleted(
    sessions: SessionFactory,
) -> None:
    categories = SqlCategories(sessions)
    for slug in ("tools", "shipping", "empty"):
        await categories.save(slug, {"de": slug.title()}, "anna")
    await SqlRevisionStore(sessions).save_draft("tool_rental", TOOLS, "erika", new=True)
    live = FaqEntryData("shipping_costs", "de", "shipping", "Versand?", "6,90 €", ("a", "b"))
    await SqlFaqRepository(sessions).upsert(live)
    assert await categories.in_use() == {"tools": 1, "shipping": 1}

    for used in ("tools", "shipping"):
        with pytest.raises(EditorialError) as refused:
            await categories.delete(used, "anna")
        assert refused.value.code == "in_use"
    await categories.delete("empty", "anna")
    assert await order(categories) == ["tools", "shipping"]
    with pytest.raises(EditorialError) as refused:
        await categories.delete("empty", "anna")
    assert refused.value.code == "not_found"
    entries, _total = await AuditLog(sessions).recent()
    assert ("anna", "faq.category_deleted", "category:empty") in {
        (e.actor, e.action, e.target) for e in entries
    }
