"""The misses inbox on the composed app: the bot's unsettled messages grouped by wording,
turned into example phrasings of a topic's draft, into a new topic's form, or dismissed;
and the grouping itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from bot.storage.database import create_engine, session_factory
from bot.storage.models import Contact, Conversation, Message
from faq.misses import Miss, group_misses
from tests.api.conftest import AdminSite, Staff

BATTERY = ["Nehmt ihr alte Akkus zurück?", "alte akkus zurück nehmen", "Nehmt ihr Akkus zurück"]


def miss(message_id: int, text: str) -> Miss:
    return Miss(message_id, text, "de", "fallback", datetime(2026, 12, 1, tzinfo=UTC))


def test_similar_wordings_form_one_group_and_the_biggest_comes_first() -> None:
    misses = [miss(i, text) for i, text in enumerate([*BATTERY, "Rechnung als PDF?"])]
    groups = group_misses(misses)
    assert [len(g.misses) for g in groups] == [3, 1]
    assert set(groups[0].examples()) == set(BATTERY)
    assert groups[1].label == "Rechnung als PDF?"


async def seed_misses(site: AdminSite) -> list[int]:
    """A customer whose three battery questions the bot did not understand, and one who
    asked for a person."""
    engine = create_engine(site.settings.effective_database_url)
    ids = []
    async with session_factory(engine).begin() as session:
        contact = Contact(display_name="Petra", language="de")
        session.add(contact)
        await session.flush()
        conversation = Conversation(contact_id=contact.id, channel="telegram", chat_id="77")
        session.add(conversation)
        await session.flush()
        for number, (text, action) in enumerate(
            [*((t, "fallback") for t in BATTERY), ("Mitarbeiter bitte", "handoff")]
        ):
            message = Message(
                conversation_id=conversation.id,
                direction="in",
                channel_message_id=str(number),
                kind="text",
                text=text,
                action=action,
            )
            session.add(message)
            await session.flush()
            ids.append(message.id)
    await engine.dispose()
    return ids


async def test_a_group_becomes_examples_of_a_topic_and_leaves_the_inbox(
    site: AdminSite, staff: dict[str, Staff]
) -> None:
    ids = await seed_misses(site)
    editor = staff["editor"]
    async with editor.http.get("/admin/misses") as response:
        page = await response.text()
    assert response.status == 200
    assert "3×" in page
    assert "Mitarbeiter bitte" in page
    battery_ids = ",".join(map(str, ids[:3]))
    assert battery_ids in page or ",".join(map(str, reversed(ids[:3]))) in page

    form = {"csrf": editor.csrf, "ids": ",".join(map(str, ids[:3])), "slug": "returns"}
    async with editor.http.post("/admin/misses/add", data=form, allow_redirects=False) as r:
        assert r.status == 303
        assert r.headers["Location"] == "/admin/faq/returns?saved=1"
    async with editor.http.get("/api/faq/topics/returns") as r:
        draft = (await r.json())["open"]
    assert draft["state"] == "draft"
    assert set(BATTERY) <= set(draft["wordings"]["de"]["examples"])
    async with editor.http.get("/admin/misses") as response:
        page = await response.text()
    assert "Nehmt ihr alte Akkus" not in page
    assert "Mitarbeiter bitte" in page

    # The rest: a new topic's form starts from it, or it is dismissed.
    async with editor.http.get(f"/admin/faq/new?misses={ids[3]}") as response:
        form_page = await response.text()
    assert re.search(r'name="de_examples"[^>]*>Mitarbeiter bitte<', form_page)
    dismiss = {"csrf": editor.csrf, "ids": str(ids[3])}
    async with editor.http.post("/admin/misses/dismiss", data=dismiss) as r:
        assert r.status == 200
        assert "Nichts offen" in await r.text()


async def test_agents_cannot_open_the_inbox(site: AdminSite, staff: dict[str, Staff]) -> None:
    await seed_misses(site)
    async with staff["agent"].http.get("/admin/misses") as response:
        assert response.status == 403
    dismiss = {"csrf": staff["agent"].csrf, "ids": "1"}
    async with staff["agent"].http.post("/admin/misses/dismiss", data=dismiss) as response:
        assert response.status == 403
