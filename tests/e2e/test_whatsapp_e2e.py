"""WhatsApp through the running stack against a local Graph API stand-in that checks every
request's shape and keeps its own 24-hour window: an FAQ answer, the order status of a
customer verified by the number they write from, the menu as lists, a handoff answered from
the agent console inside the window and as the approved template after it, and a message
Meta reports as failed (window closed by Meta's clock) sent again as the template."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import aiohttp
import pytest
import redis.asyncio as aioredis
from pydantic import SecretStr

from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from bot.web.auth import Role, UserStore
from handlers.texts import text
from tests.conftest import wait_for
from tests.e2e.conftest import Stack, production_stack
from tests.graph_standin import (
    GRAPH_VERSION,
    STANDIN_APP_SECRET,
    STANDIN_PHONE_NUMBER_ID,
    STANDIN_TOKEN,
    STANDIN_VERIFY_TOKEN,
    GraphState,
    SentMessage,
    customer_message_body,
    first_message,
    post_signed,
    serve_graph,
)

pytestmark = pytest.mark.e2e
HOLZMANN = "4956170001001"  # Schreinerei Holzmann's number in customers.csv: verified by it
STRANGER = "4915199999999"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PASSWORD = "richtig-geheim-123"


@dataclass
class WhatsAppRig:
    """The stack with WhatsApp, the Graph API stand-in, and an HTTP session."""

    stack: Stack
    graph: GraphState

    @property
    def webhook(self) -> str:
        """Our webhook, where the stand-in delivers as Meta does."""
        return f"{self.stack.base_url}/webhooks/whatsapp"

    async def customer_says(
        self,
        wa_id: str,
        body: str = "",
        *,
        button: tuple[str, str] | None = None,
        at: float | None = None,
    ) -> None:
        """The customer writes (or taps a button); the stand-in delivers it, signed."""
        status, _wamid = await self.graph.post_customer_message(
            self.stack.http, self.webhook, STANDIN_APP_SECRET, wa_id, body, button=button, at=at
        )
        assert status == 200

    async def answers(self, wa_id: str, count: int) -> list[SentMessage]:
        """Wait until `count` messages went to the customer."""
        await wait_for(lambda: len(self.graph.messages_to(wa_id)) >= count, seconds=30)
        return self.graph.messages_to(wa_id)


@pytest.fixture
async def rig(
    settings: Settings, rasa_url: str, redis: aioredis.Redis
) -> AsyncIterator[WhatsAppRig]:
    """A flushed Redis, the Graph API stand-in and the stack pointed at it."""
    graph = GraphState()
    async with serve_graph(graph) as graph_url:
        configured = settings.model_copy(
            update={
                "rasa_url": rasa_url,
                "whatsapp_token": SecretStr(STANDIN_TOKEN),
                "whatsapp_app_secret": SecretStr(STANDIN_APP_SECRET),
                "whatsapp_verify_token": SecretStr(STANDIN_VERIFY_TOKEN),
                "whatsapp_phone_number_id": STANDIN_PHONE_NUMBER_ID,
                "whatsapp_api_url": f"{graph_url}/{GRAPH_VERSION}",
                "secure_cookies": False,  # the test's agent logs in over plain HTTP
            }
        )
        async with production_stack(configured) as stack:
            yield WhatsAppRig(stack, graph)


async def test_meta_can_subscribe_with_the_verify_token(rig: WhatsAppRig) -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": STANDIN_VERIFY_TOKEN,
        "hub.challenge": "42",
    }
    async with rig.stack.http.get(rig.webhook, params=query) as answer:
        assert (answer.status, await answer.text()) == (200, "42")
    async with rig.stack.http.get(rig.webhook, params={**query, "hub.verify_token": "x"}) as bad:
        assert bad.status == 403


async def test_an_faq_question_is_answered_and_marked_read(rig: WhatsAppRig) -> None:
    await rig.customer_says(STRANGER, "Was kostet der Versand?")
    disclosure, answer = await rig.answers(STRANGER, 2)
    policy = rig.stack.settings.privacy_policy_url
    assert disclosure.text == text("disclosure", "de").format(policy_url=policy)
    assert "150" in answer.text  # free shipping from 150 EUR
    assert answer.type == "text"
    await wait_for(lambda: rig.graph.read_marks, seconds=10)
    assert rig.graph.violations == []


async def test_the_number_a_customer_writes_from_verifies_them_for_order_status(
    rig: WhatsAppRig,
) -> None:
    await rig.customer_says(HOLZMANN, "Wo bleibt KR-204815?")
    answers = await rig.answers(HOLZMANN, 2)
    assert "KR-204815" in answers[-1].text
    assert "DHL" in answers[-1].text  # the status itself, no postal-code question
    await rig.customer_says(STRANGER, "Wo bleibt KR-204815?")
    asked = await rig.answers(STRANGER, 2)
    assert "KR-204815" not in asked[-1].text  # someone else's number: not shown
    assert rig.graph.violations == []


async def test_a_verified_customer_learns_nothing_of_another_customers_order(
    rig: WhatsAppRig,
) -> None:
    await rig.customer_says(HOLZMANN, "Wo bleibt KR-204817?")  # Elektro Yilmaz's order
    [*_, theirs] = await rig.answers(HOLZMANN, 2)
    await rig.customer_says(HOLZMANN, "Wo bleibt KR-999999?")  # nobody's
    [*_, nobodys] = await rig.answers(HOLZMANN, 3)
    assert theirs.text == nobodys.text  # not even whether it exists
    told = " ".join(message.text for message in rig.graph.messages_to(HOLZMANN))
    for detail in ("NYM-J", "DPD", "01505012345678", "Abzweigdose"):
        assert detail not in told
    assert rig.graph.violations == []


async def test_the_menu_comes_as_lists_and_a_row_opens_its_topics(rig: WhatsAppRig) -> None:
    await rig.customer_says(STRANGER, "Menü")

    def list_rows() -> list[dict[str, str]]:
        return [
            row
            for m in rig.graph.messages_to(STRANGER)
            if m.type == "interactive" and m.body["interactive"]["type"] == "list"
            for section in m.body["interactive"]["action"]["sections"]
            for row in section["rows"]
        ]

    # twelve choices are more than one list holds: the person comes in the second list, so
    # wait for that one rather than for a count of messages
    await wait_for(lambda: any(row["id"] == "handoff" for row in list_rows()), seconds=30)
    menus = [m for m in rig.graph.messages_to(STRANGER) if m.type == "interactive"]
    assert all(m.body["interactive"]["type"] in {"list", "button"} for m in menus)
    rows = list_rows()
    shipping = next(row for row in rows if row["id"] == "cat:shipping")
    count = len(rig.graph.messages_to(STRANGER))
    await rig.customer_says(STRANGER, button=("cat:shipping", shipping["title"]))
    topics = (await rig.answers(STRANGER, count + 1))[-1]
    assert topics.type == "interactive"
    assert rig.graph.violations == []


async def agent_session(rig: WhatsAppRig) -> aiohttp.ClientSession:
    """An agent logged in to the console (over plain HTTP, so cookies for 127.0.0.1)."""
    engine = create_engine(rig.stack.settings.effective_database_url)
    await UserStore(session_factory(engine)).create("jonas", "Jonas Weber", PASSWORD, Role.AGENT)
    await engine.dispose()
    session = aiohttp.ClientSession(
        base_url=rig.stack.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)
    )
    page = await (await session.get("/agent/login")).text()
    match = CSRF.search(page)
    assert match is not None
    form = {"username": "jonas", "password": PASSWORD, "csrf": match[1], "next": ""}
    assert (await session.post("/agent/login", data=form)).status == 200
    return session


async def claim_and_reply(agent: aiohttp.ClientSession, handoff_id: int, body: str) -> str:
    """Take the conversation and answer; the conversation page afterwards."""
    queue = await (await agent.get("/agent")).text()
    csrf = CSRF.search(queue)
    assert csrf is not None
    path = f"/agent/handoffs/{handoff_id}"
    assert (await agent.post(f"{path}/claim", data={"csrf": csrf[1]})).status == 200
    answered = await agent.post(f"{path}/reply", data={"csrf": csrf[1], "text": body})
    assert answered.status == 200
    return await answered.text()


async def test_an_agent_answers_inside_the_window_and_sees_it_read(rig: WhatsAppRig) -> None:
    await rig.customer_says(HOLZMANN, "Ich möchte einen Mitarbeiter sprechen")
    queued = (await rig.answers(HOLZMANN, 2))[-1]
    assert [b["reply"]["id"] for b in queued.body["interactive"]["action"]["buttons"]] == [
        "handoff_cancel"
    ]
    [handoff] = await rig.stack.queued_handoffs()
    agent = await agent_session(rig)
    try:
        page = await claim_and_reply(agent, handoff.id, "Guten Tag, hier Jonas Weber.")
        assert "noch 23 h" in page  # the reply window, in the context
        reply = (await rig.answers(HOLZMANN, 3))[-1]
        assert (reply.type, reply.text) == ("text", "Guten Tag, hier Jonas Weber.")
        status = await rig.graph.push_statuses(
            rig.stack.http, rig.webhook, STANDIN_APP_SECRET, progress=("sent", "delivered", "read")
        )
        assert status == 200

        async def shown_read() -> bool:
            page = await (await agent.get(f"/agent/handoffs/{handoff.id}")).text()
            return "gelesen" in page

        await wait_for_async(shown_read)
    finally:
        await agent.close()
    assert rig.graph.violations == []


async def test_after_the_window_an_agents_reply_goes_as_the_template(rig: WhatsAppRig) -> None:
    # The customer asked for a person just under 24 hours ago: the window closes in seconds.
    await rig.customer_says(HOLZMANN, "Mitarbeiter bitte", at=time.time() - 24 * 3600 + 3)
    await rig.answers(HOLZMANN, 2)
    [handoff] = await rig.stack.queued_handoffs()
    time.sleep(4)  # noqa: ASYNC251 (the window must close by the clock, on both sides)
    agent = await agent_session(rig)
    try:
        page = await claim_and_reply(agent, handoff.id, "Ihre Gutschrift ist veranlasst.")
    finally:
        await agent.close()
    assert "geschlossen" in page
    reply = (await rig.answers(HOLZMANN, 3))[-1]
    assert reply.type == "template"
    assert reply.body["template"]["name"] == "servicebot_followup"
    assert reply.text == "Ihre Gutschrift ist veranlasst."
    assert all(m.failed_code is None for m in rig.graph.messages_to(HOLZMANN))
    assert rig.graph.violations == []


async def test_a_message_meta_reports_failed_for_the_window_goes_again_as_the_template(
    rig: WhatsAppRig,
) -> None:
    await rig.customer_says(STRANGER, "Was kostet der Versand?")
    await rig.answers(STRANGER, 2)
    # Meta's clock has the window closed (ours still open): it takes the next free-form
    # message and reports it failed with 131047 a moment later.
    rig.graph.last_customer_message[STRANGER] = time.time() - 25 * 3600
    await rig.customer_says(STRANGER, "Und wie lange dauert die Lieferung?", at=time.time())
    rig.graph.last_customer_message[STRANGER] = time.time() - 25 * 3600
    await wait_for(lambda: rig.graph.pending_statuses, seconds=30)
    failed = rig.graph.messages_to(STRANGER)[-1]
    assert failed.failed_code == 131047
    assert await rig.graph.push_statuses(rig.stack.http, rig.webhook, STANDIN_APP_SECRET) == 200
    again = (await rig.answers(STRANGER, 4))[-1]
    # The same words, on one line: Meta takes no line breaks in a template parameter.
    assert (again.type, again.text) == ("template", " ".join(failed.text.split()))
    assert rig.graph.violations == []


async def test_a_photo_is_kept_and_the_agent_opens_it(rig: WhatsAppRig) -> None:
    photo = b"\xff\xd8\xff\xe0 a JPEG of a broken crate"
    rig.graph.add_media("MEDIA-7", photo, "image/jpeg")
    body = customer_message_body(HOLZMANN)
    message = first_message(body)
    del message["text"]
    message |= {"type": "image", "image": {"id": "MEDIA-7", "mime_type": "image/jpeg"}}
    rig.graph.customer_wrote(HOLZMANN)
    assert await post_signed(rig.stack.http, rig.webhook, body, STANDIN_APP_SECRET) == 200
    noted = (await rig.answers(HOLZMANN, 2))[-1]
    assert noted.text == text("media_received", "de")
    rig.graph.media.clear()  # Meta's link expires; ours was kept when the photo came
    await rig.customer_says(HOLZMANN, "Mitarbeiter bitte")
    await rig.answers(HOLZMANN, 3)
    [handoff] = await rig.stack.queued_handoffs()
    agent = await agent_session(rig)
    try:
        queue = await (await agent.get("/agent")).text()
        csrf = CSRF.search(queue)
        assert csrf is not None
        path = f"/agent/handoffs/{handoff.id}"
        page = await (await agent.post(f"{path}/claim", data={"csrf": csrf[1]})).text()
        link = re.search(rf'href="({path}/media/\d+)"', page)
        assert link is not None
        opened = await agent.get(link[1])
        assert (opened.status, opened.content_type) == (200, "image/jpeg")
        assert await opened.read() == photo
    finally:
        await agent.close()
    assert rig.graph.violations == []


async def wait_for_async(condition: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    """Poll an async condition."""
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.2)
