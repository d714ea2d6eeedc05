"""The agent console's routes on a small app: who may see and do what (staff login from
bot/web/auth.py, handoffs in memory, the transcript in SQLite, replies recorded)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.conversations import Understanding
from bot.keys import Keys
from bot.messages import Channel, InboundKind, InboundMessage
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory
from bot.web.auth import Role, StaffUser, UserStore, setup_auth
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.adapters.sql_history import SqlConversationHistory
from crm_bridge.agent_actions import AgentActions
from crm_bridge.console import CONSOLE, ConsoleDeps, reply_window, routed_to, setup_console
from crm_bridge.context_packet import ContextPacket, ConversationInfo
from crm_bridge.crm import NoCrm
from crm_bridge.handoff import EventKind, Handoff, HandoffReason, HandoffRequest, HandoffState
from crm_bridge.media import MediaFile
from faq.memory_store import MemoryFaqRepository
from faq.seed import load_faq_file
from handlers.texts import text
from orders.demo_data import load_customers, load_orders
from orders.memory_provider import MemoryOrderProvider
from tests.fakes import RecordingSender, StoredMedia
from tests.unit.test_auth import CSRF_FIELD, FAST_HASHER, PASSWORD, Client, login

KEYS = Keys(prefix="consoletest")


def customer_says(message_id: str, body: str) -> InboundMessage:
    """A Telegram message of the waiting customer."""
    return InboundMessage(Channel.TELEGRAM, message_id, "4711", "4711", InboundKind.TEXT, body)


class Console:
    """A console app with two agents and an editor, and one queued customer."""

    def __init__(
        self, desk: MemoryHandoffDesk, sender: RecordingSender, handoff: Handoff, files: StoredMedia
    ):
        self.desk, self.sender, self.handoff, self.files = desk, sender, handoff, files
        self.clients: list[Client] = []
        # Past the key-account reservation unless a test turns the clock back.
        self.now = handoff.requested_at + timedelta(minutes=10)


@pytest.fixture
async def console(sessions: SessionFactory, redis: aioredis.Redis) -> AsyncIterator[Console]:
    """The console with a verified customer waiting (Schreinerei Holzmann)."""
    users = UserStore(sessions, FAST_HASHER)
    for name, role in (("anna", Role.AGENT), ("ben", Role.AGENT), ("erik", Role.EDITOR)):
        await users.create(name, name.title(), PASSWORD, role)
    await users.create("jonas", "Jonas Weber", PASSWORD, Role.AGENT)  # K10001's manager
    await users.create("emma", "Emma", PASSWORD, Role.AGENT, language="en", serves={"en"})
    store = SqlConversationStore(sessions)
    state = await store.open(customer_says("m0", "<script>window.pwned=1</script>"))
    await store.record_inbound(
        state, customer_says("m0", "<script>window.pwned=1</script>"), Understanding()
    )
    photo = InboundMessage(
        Channel.TELEGRAM, "m2", "4711", "4711", InboundKind.MEDIA, "so kam es an", "photo:F1"
    )
    await store.record_inbound(state, photo, Understanding("complaint", 0.9))
    await store.record_inbound(
        state, customer_says("m1", "Hilfe!"), Understanding("human_handoff", 0.93)
    )
    files = StoredMedia({"F1": MediaFile(b"\xff\xd8jpeg", "image/jpeg", "file_1.jpg")})
    desk, sender = MemoryHandoffDesk(), RecordingSender()
    handoff = await desk.request(
        HandoffRequest(
            state.conversation_id,
            "m1",
            HandoffReason.REQUESTED,
            "de",
            callback=False,
            customer_number="K10001",
            tier="A",
        )
    )
    app = web.Application()
    setup_auth(app, lambda: users, lambda: redis, KEYS, secure_cookies=False)
    setup_console(app)
    history = SqlConversationHistory(sessions)
    app[CONSOLE] = ConsoleDeps(
        desk,
        history,
        MemoryOrderProvider(load_customers(), load_orders()),
        AgentActions(
            desk=desk,
            history=history,
            senders={Channel.TELEGRAM: sender},
            outbox=NoCrm(),
            redis=redis,
            keys=KEYS,
            sent_marker_ttl=60,
        ),
        {Channel.TELEGRAM: files},
        MemoryFaqRepository(load_faq_file()),
        users,
        clock=lambda: harness.now,
    )
    harness = Console(desk, sender, handoff, files)
    async with AsyncExitStack() as stack:
        harness.clients = [
            await stack.enter_async_context(TestClient(TestServer(app))) for _ in range(5)
        ]
        names = ("anna", "ben", "erik", "jonas", "emma")
        for client, name in zip(harness.clients, names, strict=True):
            await login(client, name)
        yield harness


async def csrf(client: Client, path: str = "/agent") -> str:
    """The CSRF token the page's forms carry."""
    match = CSRF_FIELD.search(await (await client.get(path)).text())
    assert match is not None
    return match[1]


async def test_the_queue_shows_the_waiting_customer_with_the_summary(console: Console) -> None:
    anna = console.clients[0]
    page = await (await anna.get("/agent")).text()
    assert "Schreinerei Holzmann GmbH (A, Jonas Weber) · Kunde möchte einen Menschen" in page
    assert "Hilfe!" in page


async def test_an_editor_may_not_use_the_agent_console(console: Console) -> None:
    erik = console.clients[2]
    assert (await erik.get("/agent")).status == 403


async def test_the_first_claim_wins_and_others_no_longer_see_the_conversation(
    console: Console,
) -> None:
    anna, ben = console.clients[:2]
    path = f"/agent/handoffs/{console.handoff.id}"
    claimed = await anna.post(
        f"{path}/claim", data={"csrf": await csrf(anna)}, allow_redirects=False
    )
    assert claimed.headers["Location"] == path
    late = await ben.post(f"{path}/claim", data={"csrf": await csrf(ben)}, allow_redirects=False)
    assert late.headers["Location"] == "/agent?taken=1"
    assert (await ben.get(path)).status == 404
    page = await (await anna.get(path)).text()
    assert "human_handoff 0.93" in page
    assert "KR-204815" in page  # the customer's recent orders


async def test_replying_needs_the_claim_and_reaches_the_customer(console: Console) -> None:
    anna, ben = console.clients[:2]
    path = f"/agent/handoffs/{console.handoff.id}"
    unclaimed = await anna.post(f"{path}/reply", data={"csrf": await csrf(anna), "text": "Hi"})
    assert unclaimed.status == 403
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    forged = await anna.post(f"{path}/reply", data={"text": "ohne Token"})
    assert forged.status == 403
    sent = await anna.post(
        f"{path}/reply", data={"csrf": await csrf(anna), "text": "Ich bin für Sie da."}
    )
    assert sent.status == 200
    assert console.sender.texts == ["Ich bin für Sie da."]
    assert "Ich bin für Sie da." in await sent.text()  # in the transcript
    events = await console.desk.events(console.handoff.id)
    assert (events[-1].kind, events[-1].agent) == (EventKind.AGENT_REPLIED, "anna")
    foreign = await ben.post(f"{path}/reply", data={"csrf": await csrf(ben), "text": "x"})
    assert foreign.status == 404


async def test_resolving_hands_back_and_asks_for_stars(console: Console) -> None:
    anna = console.clients[0]
    path = f"/agent/handoffs/{console.handoff.id}"
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    done = await anna.post(
        f"{path}/resolve", data={"csrf": await csrf(anna)}, allow_redirects=False
    )
    assert done.headers["Location"] == "/agent"
    prompt = console.sender.sent[-1][1]
    assert prompt.text == text("rating_prompt", "de")
    assert [b.payload for b in prompt.buttons] == [f"rate:{n}" for n in range(1, 6)]
    assert await console.desk.open_handoff(console.handoff.request.conversation_id) is None


async def test_markup_a_customer_typed_is_shown_as_text(console: Console) -> None:
    anna = console.clients[0]
    path = f"/agent/handoffs/{console.handoff.id}"
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    page = await (await anna.get(path)).text()
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    assert "<script>window" not in page


async def test_an_faq_answer_can_be_found_and_put_into_the_reply(console: Console) -> None:
    anna = console.clients[0]
    path = f"/agent/handoffs/{console.handoff.id}"
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    found = await (await anna.get(path, params={"q": "skonto"})).text()
    assert f"{path}?insert=payment_methods" in found
    drafted = await (await anna.get(path, params={"insert": "payment_methods"})).text()
    answer = next(
        e.answer for e in load_faq_file() if (e.slug, e.language) == ("payment_methods", "de")
    )
    assert answer.splitlines()[1] in drafted  # the German answer, ready to edit and send


async def test_a_conversation_is_transferred_to_a_colleague(console: Console) -> None:
    anna, ben = console.clients[:2]
    path = f"/agent/handoffs/{console.handoff.id}"
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    page = await (await anna.get(path)).text()
    assert '<option value="ben">Ben</option>' in page
    assert '<option value="erik">' not in page  # an editor does not answer customers
    refused = await anna.post(f"{path}/transfer", data={"csrf": await csrf(anna), "to": "erik"})
    assert refused.status == 400
    await anna.post(f"{path}/transfer", data={"csrf": await csrf(anna), "to": "ben"})
    assert (await anna.get(path)).status == 404
    assert f'href="{path}"' in await (await ben.get("/agent")).text()  # under "my conversations"
    sent = await ben.post(f"{path}/reply", data={"csrf": await csrf(ben), "text": "Ben hier."})
    assert sent.status == 200
    assert console.sender.texts == ["Ben hier."]


async def test_an_internal_note_is_for_staff_only(console: Console) -> None:
    anna, ben = console.clients[:2]
    path = f"/agent/handoffs/{console.handoff.id}"
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    await anna.post(f"{path}/note", data={"csrf": await csrf(anna), "text": "Kunde ist ungeduldig"})
    assert "Anna: Kunde ist ungeduldig" in await (await anna.get(path)).text()
    assert console.sender.sent == []  # nothing went to the customer
    await anna.post(f"{path}/transfer", data={"csrf": await csrf(anna), "to": "ben"})
    assert "Anna: Kunde ist ungeduldig" in await (await ben.get(path)).text()


async def test_a_key_account_is_offered_to_its_account_manager_first(console: Console) -> None:
    anna, jonas = console.clients[0], console.clients[3]
    path = f"/agent/handoffs/{console.handoff.id}"
    console.now = console.handoff.requested_at + timedelta(minutes=1)
    assert f"{path}/claim" not in await (await anna.get("/agent")).text()
    early = await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    assert early.status == 404  # not hers to take yet
    assert f"{path}/claim" in await (await jonas.get("/agent")).text()

    console.now = console.handoff.requested_at + timedelta(minutes=6)
    assert f"{path}/claim" in await (await anna.get("/agent")).text()


async def test_an_agent_is_offered_only_customers_in_a_language_they_serve(
    console: Console,
) -> None:
    anna, emma = console.clients[0], console.clients[4]
    path = f"/agent/handoffs/{console.handoff.id}"  # a German-speaking customer
    assert f"{path}/claim" in await (await anna.get("/agent")).text()
    assert f"{path}/claim" not in await (await emma.get("/agent")).text()
    refused = await emma.post(f"{path}/claim", data={"csrf": await csrf(emma)})
    assert refused.status == 404
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    assert '<option value="emma">' not in await (await anna.get(path)).text()
    handed = await anna.post(f"{path}/transfer", data={"csrf": await csrf(anna), "to": "emma"})
    assert handed.status == 400


def test_a_language_nobody_serves_goes_to_every_agent() -> None:
    german = StaffUser(1, "anna", "Anna", Role.AGENT, "de", frozenset({"de"}))
    english = StaffUser(2, "emma", "Emma", Role.AGENT, "en", frozenset({"en"}))
    assert routed_to(german, "de", [german, english])
    assert not routed_to(german, "en", [german, english])
    assert routed_to(german, "en", [german])  # nobody serves English: better anyone than none


async def test_a_photo_the_customer_sent_opens_for_the_agent_and_nobody_else(
    console: Console,
) -> None:
    anna, erik, emma = console.clients[0], console.clients[2], console.clients[4]
    path = f"/agent/handoffs/{console.handoff.id}"
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    page = await (await anna.get(path)).text()
    link = re.search(rf'href="({path}/media/\d+)"', page)
    assert link is not None
    assert "Foto öffnen" in page
    opened = await anna.get(link[1])
    assert opened.status == 200
    assert await opened.read() == b"\xff\xd8jpeg"
    assert opened.content_type == "image/jpeg"
    assert opened.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in opened.headers["Content-Security-Policy"]
    assert (await erik.get(link[1])).status == 403  # an editor answers no customers
    assert (await emma.get(link[1])).status == 404  # not her conversation
    assert (await anna.get(f"{path}/media/99999")).status == 404


async def test_a_file_that_could_run_in_the_browser_is_only_offered_as_a_download(
    console: Console,
) -> None:
    anna = console.clients[0]
    path = f"/agent/handoffs/{console.handoff.id}"
    await anna.post(f"{path}/claim", data={"csrf": await csrf(anna)})
    console.files.files["F1"] = MediaFile(b"<script>alert(1)</script>", "text/html", "x.html")
    link = re.search(rf'href="({path}/media/\d+)"', await (await anna.get(path)).text())
    assert link is not None
    opened = await anna.get(link[1])
    assert opened.content_type == "application/octet-stream"
    assert opened.headers["Content-Disposition"].startswith("attachment")
    console.files.files.clear()  # Telegram no longer has it
    assert (await anna.get(link[1])).status == 502


def test_the_whatsapp_window_says_how_long_a_free_reply_can_go() -> None:

    from crm_bridge.context_packet import ContextPacket

    wrote = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # 10:00 in Kassel
    request = HandoffRequest(1, "m1", HandoffReason.REQUESTED, "de", callback=False)
    handoff = Handoff(1, request, HandoffState.QUEUED, 1, wrote)

    def packet(channel: str) -> ContextPacket:
        info = ConversationInfo(1, channel, "4915112345678", "Petra", "de", wrote)
        return ContextPacket(handoff, info, [], None, [])

    later = wrote + timedelta(hours=21, minutes=30)
    assert (
        reply_window(packet("whatsapp"), later, "de")
        == "noch 2 h 30 min offen (bis 24.11. 10:00 Uhr)"
    )
    closed = reply_window(packet("whatsapp"), wrote + timedelta(hours=25), "en")
    assert closed.startswith("closed")
    assert reply_window(packet("telegram"), later, "de") == ""
