"""Data-protection requests of administrators on the composed app: the REST calls and the
page export a contact as JSON and erase them from the database and Redis; only admins may,
strangers and the other roles are refused, and every request is in the audit log without
the contact's data."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.conversations import Understanding
from bot.keys import Keys
from bot.messages import Channel, InboundKind, InboundMessage, Reply
from bot.redis_factory import connect
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import create_engine, session_factory
from bot.storage.models import AuditRecord
from tests.api.conftest import AdminSite, Staff

PETRA = "4956170001001"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


async def seed(site: AdminSite) -> None:
    """Petra on WhatsApp (verified in Redis) and Jörg on Telegram, each with a question."""
    engine = create_engine(site.settings.effective_database_url)
    store = SqlConversationStore(session_factory(engine))
    for channel, user, words in (
        (Channel.WHATSAPP, PETRA, "Wo bleibt KR-204815?"),
        (Channel.TELEGRAM, "4711", "Was kostet der Versand?"),
    ):
        inbound = InboundMessage(channel, f"{user}-1", user, user, InboundKind.TEXT, words)
        state = await store.open(inbound)
        await store.record_inbound(state, inbound, Understanding("order_status", 0.9))
        await store.record_outbound(state, Reply("Gern sehe ich nach."), f"{user}-out")
    await engine.dispose()
    redis = connect(site.settings.redis_url)
    verification = {"message": "x", "before": {}, "after": {"verified_customer": "K10001"}}
    await redis.set(Keys().verification(f"whatsapp:{PETRA}"), json.dumps(verification))
    await redis.aclose()


async def post(member: Staff, path: str, body: dict[str, Any]) -> tuple[int, Any]:
    async with member.http.post(path, json=body, headers=member.headers()) as response:
        return response.status, await response.json()


async def audit(site: AdminSite) -> list[AuditRecord]:
    engine = create_engine(site.settings.effective_database_url)
    async with session_factory(engine)() as session:
        rows = list(
            await session.scalars(
                select(AuditRecord).where(AuditRecord.action.startswith("privacy."))
            )
        )
    await engine.dispose()
    return rows


@pytest.mark.parametrize("path", ["/api/privacy/export", "/api/privacy/erase"])
async def test_only_admins_may_export_or_erase(
    site: AdminSite, staff: dict[str, Staff], path: str
) -> None:
    await seed(site)
    body = {"phone": "+4956170001001"}
    async with (
        aiohttp.ClientSession(base_url=site.base_url) as stranger,
        stranger.post(path, json=body) as response,
    ):
        assert response.status == 401
        assert (await response.json())["error"] == "not_logged_in"
    for name in ("agent", "editor"):
        status, answer = await post(staff[name], path, body)
        assert (status, answer["error"]) == (403, "forbidden"), name
    async with staff["admin"].http.post(path, json=body) as response:  # no CSRF token
        assert response.status == 403
    assert await audit(site) == []
    status, _answer = await post(staff["admin"], "/api/privacy/export", body)
    assert status == 200


async def test_an_admin_exports_a_contact_with_transcript_and_customer_account(
    site: AdminSite, staff: dict[str, Staff]
) -> None:
    await seed(site)
    status, document = await post(staff["admin"], "/api/privacy/export", {"phone": PETRA})
    assert status == 200
    [contact] = document["contacts"]
    assert contact["identities"] == [["whatsapp", PETRA]]
    [conversation] = contact["conversations"]
    assert [(m["direction"], m["text"]) for m in conversation["messages"]] == [
        ("in", "Wo bleibt KR-204815?"),
        ("out", "Gern sehe ich nach."),
    ]
    assert [c["number"] for c in document["customers"]] == ["K10001"]
    assert document["state"][f"whatsapp:{PETRA}"]["verification"]["verified_customer"] == "K10001"
    [entry] = await audit(site)
    assert (entry.actor, entry.action, entry.target) == (
        "admin",
        "privacy.exported",
        "privacy:phone",
    )
    assert PETRA not in json.dumps(entry.details)


async def test_an_admin_erases_a_contact_from_the_database_and_redis(
    site: AdminSite, staff: dict[str, Staff]
) -> None:
    await seed(site)
    admin = staff["admin"]
    status, erased = await post(
        admin, "/api/privacy/erase", {"channel": "whatsapp", "chat_id": PETRA}
    )
    assert status == 200
    assert erased == {
        "contacts": 1,
        "conversations": 1,
        "messages": 2,
        "media_files": 0,
        "handoffs_closed": 0,
        "redis_entries": 1,
        "crm_told": False,  # the console alone: no CRM to tell
    }
    _status, document = await post(admin, "/api/privacy/export", {"phone": PETRA})
    assert document["contacts"] == []
    _status, others = await post(
        admin, "/api/privacy/export", {"channel": "telegram", "chat_id": "4711"}
    )
    assert len(others["contacts"]) == 1
    redis = connect(site.settings.redis_url)
    assert await redis.exists(Keys().verification(f"whatsapp:{PETRA}")) == 0
    await redis.aclose()
    actions = [(e.actor, e.action, e.target) for e in await audit(site)]
    assert ("admin", "privacy.erased", "privacy:chat") in actions


@pytest.mark.parametrize(
    "body",
    [
        {"channel": "telegram", "chat_id": "4711", "phone": PETRA},
        {"channel": "sms", "chat_id": "4711"},
        {"phone": "12"},
        {"phone": "+49 561 70001001"},  # the API takes E.164; the page any notation
        {"channel": "telegram", "chat_id": " "},
        {},
        {"chat_id": "4711", "name": "Jörg"},
    ],
)
async def test_a_request_that_names_no_one_clearly_is_refused(
    site: AdminSite, staff: dict[str, Staff], body: dict[str, Any]
) -> None:
    status, answer = await post(staff["admin"], "/api/privacy/erase", body)
    assert (status, answer["error"]) == (422, "invalid")


async def page_csrf(member: Staff) -> str:
    async with member.http.get("/admin/privacy") as response:
        assert response.status == 200
        html = await response.text()
    match = CSRF.search(html)
    assert match is not None
    return match[1]


async def test_the_page_downloads_the_export_and_erases_only_once_confirmed(
    site: AdminSite, staff: dict[str, Staff]
) -> None:
    await seed(site)
    admin = staff["admin"]
    csrf = await page_csrf(admin)
    form = {"csrf": csrf, "channel": "telegram", "chat_id": "4711", "phone": ""}
    async with admin.http.post("/admin/privacy/export", data=form) as response:
        assert response.status == 200
        assert response.headers["Content-Disposition"].startswith("attachment")
        document = json.loads(await response.text())
    assert document["contacts"][0]["conversations"][0]["messages"][0]["text"] == (
        "Was kostet der Versand?"
    )
    async with admin.http.post("/admin/privacy/erase", data=form) as response:
        assert response.status == 422  # the check box was not ticked
    async with admin.http.post("/admin/privacy/erase", data={**form, "confirm": "yes"}) as response:
        assert response.status == 200
        html = await response.text()
    assert 'id="erased"' in html
    assert "Gelöscht: 1 Kontakte, 1 Gespräche, 2 Nachrichten, 0 Dateien" in html  # admin: de
    _status, document = await post(
        admin, "/api/privacy/export", {"channel": "telegram", "chat_id": "4711"}
    )
    assert document["contacts"] == []


async def test_agents_and_editors_do_not_get_the_page(staff: dict[str, Staff]) -> None:
    for name in ("agent", "editor"):
        async with staff[name].http.get("/admin/privacy", allow_redirects=False) as response:
            assert response.status == 403, name
    async with staff["editor"].http.get("/admin/faq") as response:
        assert "/admin/privacy" not in await response.text()
    async with staff["admin"].http.get("/admin/faq") as response:
        assert "/admin/privacy" in await response.text()


async def test_the_api_document_describes_export_and_erasure(site: AdminSite) -> None:
    async with (
        aiohttp.ClientSession(base_url=site.base_url) as anyone,
        anyone.get("/api/openapi.json") as response,
    ):
        document = await response.json()
    for path in ("/api/privacy/export", "/api/privacy/erase"):
        described = document["paths"][path]["post"]
        assert described["description"].startswith("Needs the admin role")
        assert described["security"] == [{"session": [], "csrf": []}]
        assert described["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/SubjectBody"
        }
    assert {"SubjectBody", "ErasureOut"} <= set(document["components"]["schemas"])
