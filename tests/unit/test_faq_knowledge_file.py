"""Import and export against the editorial store on a real (SQLite) database: a file's
topics become live versions with their owner, review date and enabled flag; what did not
change gets no version; --replace deletes what the file lacks; content the admin would refuse
and a topic being published stop the whole import; the export is what was imported."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from bot.storage.audit import AuditLog
from bot.storage.database import SessionFactory
from faq.categories import SqlCategories
from faq.editorial import EditorialError, State, TopicContent, Wording
from faq.exchange import parse, write
from faq.knowledge_base import KnowledgeBase
from faq.knowledge_file import SqlKnowledgeImport, published_knowledge_base
from faq.model import Category
from faq.revision_store import SqlRevisionStore
from faq.seed import seed_faq
from faq.sql_store import SqlFaqRepository

RETURNS = TopicContent(
    category="returns",
    wordings={
        "de": Wording("Wie lange kann ich zurückgeben?", "30 Tage.", ("rückgabe", "frist")),
        "en": Wording("How long can I return?", "30 days.", ("return", "period")),
    },
    owner="Team Süd",
    last_reviewed=date(2026, 11, 30),
)
OLD_TOOL = TopicContent(
    category="tools",
    wordings={"de": Wording("Alter Katalog?", "Eingestellt.", ("katalog", "alt"))},
    enabled=False,
)


def file_of(**topics: TopicContent) -> KnowledgeBase:
    categories = [Category("returns", {"de": "Rücksendung"}), Category("tools", {"de": "Werkzeug"})]
    return KnowledgeBase.of(topics, categories)


def stores(sessions: SessionFactory) -> tuple[SqlRevisionStore, SqlKnowledgeImport]:
    revisions = SqlRevisionStore(sessions, {"greet"})
    return revisions, SqlKnowledgeImport(revisions, sessions)


async def test_imported_topics_go_live_with_their_facts_and_export_the_same(
    sessions: SessionFactory,
) -> None:
    revisions, importer = stores(sessions)
    summary = await importer.import_file(file_of(returns=RETURNS, old_tool=OLD_TOOL), "import")
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (2, 0, 0, 0)

    assert await revisions.published() == {"old_tool": OLD_TOOL, "returns": RETURNS}
    live = SqlFaqRepository(sessions)
    assert await live.slugs() == {"returns"}, "a disabled topic is kept, not answered"
    assert [c.slug for c in await live.categories()] == ["returns", "tools"]
    exported = await published_knowledge_base(revisions, SqlCategories(sessions))
    for file_format in ("yaml", "csv"):
        assert parse(write(exported, file_format), file_format).topics() == exported.topics()
    assert exported.topics() == {"old_tool": OLD_TOOL, "returns": RETURNS}


async def test_a_changed_topic_is_a_new_version_and_an_unchanged_one_none(
    sessions: SessionFactory,
) -> None:
    revisions, importer = stores(sessions)
    await importer.import_file(file_of(returns=RETURNS, old_tool=OLD_TOOL), "import")
    reviewed = dataclasses.replace(RETURNS, last_reviewed=date(2026, 12, 2))
    summary = await importer.import_file(file_of(returns=reviewed, old_tool=OLD_TOOL), "import")
    assert (summary.added, summary.changed, summary.unchanged, summary.removed) == (0, 1, 1, 0)
    history = await revisions.history("returns")
    assert [(r.number, r.state) for r in history] == [
        (2, State.PUBLISHED),
        (1, State.SUPERSEDED),
    ]
    assert history[0].content.last_reviewed == date(2026, 12, 2)
    assert [r.number for r in await revisions.history("old_tool")] == [1]
    entries, _total = await AuditLog(sessions).recent()
    assert [(e.action, e.target) for e in entries][:1] == [("faq.imported", "faq:returns")]


async def test_replace_deletes_the_topics_the_file_lacks(sessions: SessionFactory) -> None:
    revisions, importer = stores(sessions)
    await seed_faq(SqlFaqRepository(sessions))
    summary = await importer.import_file(file_of(return_period=RETURNS), "import", replace=True)
    assert (summary.added, summary.removed) == (1, 20)
    assert list(await revisions.published()) == ["return_period"]
    assert await SqlFaqRepository(sessions).slugs() == {"return_period"}
    assert [c.slug for c in await SqlCategories(sessions).all()] == ["returns", "tools"]  # listed


async def test_content_the_admin_would_refuse_imports_nothing(sessions: SessionFactory) -> None:
    revisions, importer = stores(sessions)
    bad = dataclasses.replace(RETURNS, owner="x" * 65)
    with pytest.raises(EditorialError) as refused:
        await importer.import_file(file_of(returns=RETURNS, greet=bad), "import")
    fields = {(p.field, p.code) for p in refused.value.problems}
    assert ("greet.slug", "slug_reserved") in fields
    assert ("greet.owner", "too_long") in fields
    assert await revisions.published() == {}


async def test_a_topic_being_published_stops_the_import(sessions: SessionFactory) -> None:
    revisions, importer = stores(sessions)
    await importer.import_file(file_of(returns=RETURNS), "import")
    await SqlCategories(sessions).save("returns", {"de": "Rücksendung"}, "anna")
    edited = dataclasses.replace(RETURNS, owner="Team Nord")
    await revisions.save_draft("returns", edited, "erika")
    await revisions.submit("returns", 2, "erika")
    await revisions.publish("returns", 2, "anna")
    with pytest.raises(EditorialError) as refused:
        await importer.import_file(file_of(returns=RETURNS), "import")
    assert refused.value.code == "busy"
