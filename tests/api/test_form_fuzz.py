"""A fuzz pass over what schemathesis does not reach: the form posts and pages of the agent
console and the FAQ admin, as logged-in staff with the session's CSRF token, and the login
form. Random field values (long, empty, NUL and control characters, SQL and HTML, numbers of
any size), random path parameters, and bodies as urlencoded, multipart (a file where text is
expected), raw bytes that are no UTF-8, or JSON; on SQLite and on PostgreSQL. Whatever is
sent, the answer is never a 5xx and no handler raises."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import create_app
from bot.commands import seed_demo
from bot.conversations import Understanding
from bot.messages import Channel, InboundKind, InboundMessage, Reply
from bot.settings import Settings
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory, create_engine, session_factory
from bot.storage.models import Message
from bot.web.auth import UserStore
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.handoff import HandoffReason, HandoffRequest
from tests.api.conftest import ACCOUNTS, CSRF_FIELD, PASSWORD, AdminSite, Staff
from tests.net import free_port

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_chats = itertools.count(880_001)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database of each kind the product runs on."""
    fixture = {"sqlite": "sqlite_url", "postgresql": "postgres_db_url"}[request.param]
    url: str = request.getfixturevalue(fixture)
    return url


@pytest.fixture
async def site(
    settings: Settings, tmp_path: Path, database_url: str, redis: aioredis.Redis
) -> AsyncIterator[AdminSite]:
    """The app with the demo company and one account per role, on the port its settings
    name: an agent's reply reaches the Bot API stand-in the app serves itself. Redis is
    flushed: the login fuzz leaves the address throttled."""
    port = free_port()
    settings = settings.model_copy(
        update={
            "database_url": database_url,
            "http_port": port,
            "rasa_url": f"http://127.0.0.1:{free_port()}",  # nothing answers: the test box says so
            "rasa_venv": tmp_path / "no-rasa",  # a publication fails fast instead of training
            "model_dir": tmp_path / "models",
        }
    )
    await seed_demo(settings)
    engine = create_engine(database_url)
    users = UserStore(session_factory(engine))
    for name, role in ACCOUNTS.items():
        await users.create(name, name.title(), PASSWORD, role)
    await engine.dispose()
    runner = web.AppRunner(create_app(settings), handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield AdminSite(f"http://127.0.0.1:{port}", settings)
    finally:
        await runner.cleanup()


@pytest.fixture
async def sessions(site: AdminSite) -> AsyncIterator[SessionFactory]:
    """Sessions on the site's database (to put customers in the queue)."""
    engine = create_engine(site.settings.effective_database_url)
    yield session_factory(engine)
    await engine.dispose()


# ------------------------------------------------------------------------- what to send

HOSTILE = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\r\n\t\x0b\x1b",
    "'; DROP TABLE conversations;--",
    "100 % _ \\ \\\\",
    "<script>window.__pwned=1</script>",
    "javascript:alert(1)",
    "on",
    "de",
    "en",
    "up",
    "down",
    "-1",
    "0",
    "2026-02-30",
    "9999-12-31",
    "1,2,3",
    ",,,",
    "²",
    "١٢",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8"), max_size=20),  # control characters too
    st.builds("{}\x00{}".format, st.text(max_size=5), st.text(max_size=5)),  # PostgreSQL: no
    st.from_regex(r"[0-9]{1,30}", fullmatch=True),
    st.builds(
        lambda part, times: part * times, st.text(min_size=1, max_size=3), st.integers(1, 9000)
    ),
)
NUMBERS = st.one_of(
    st.integers(0, 3).map(str),
    st.from_regex(r"[0-9]{1,30}", fullmatch=True),
    st.sampled_from(["2147483647", "2147483648", "9223372036854775808", "١٢"]),
)
RAW_FORMS = st.one_of(
    st.binary(max_size=200),
    st.lists(st.sampled_from(["%ff", "%00", "%c0%af", "%ed%a0%80", "=", "&", "+", "%", "text"]))
    .map("".join)
    .map(str.encode),
)


@dataclass(frozen=True)
class Known:
    """Real values of the seeded site, so that generated requests also reach deep paths."""

    slugs: list[str]
    revisions: list[int]
    categories: list[str]


async def known(staff: dict[str, Staff]) -> Known:
    """The demo FAQ's slugs, revision numbers and categories."""
    http = staff["admin"].http
    async with http.get("/api/faq/topics") as response:
        topics = (await response.json())["topics"]
    async with http.get("/api/faq/categories") as response:
        categories = [c["slug"] for c in (await response.json())["categories"]]
    revisions = sorted({t["live"]["number"] for t in topics if t.get("live")} | {1, 2})
    return Known([t["slug"] for t in topics], revisions, categories)


def field(data: st.DataObject, *real: list[str]) -> str:
    """A form value: a real one of the site, or anything."""
    options = [st.sampled_from(values) for values in real if values]
    return str(data.draw(st.one_of(*options, VALUES) if options else VALUES))


def segment(data: st.DataObject, real: list[str]) -> str:
    """A value for a path segment (short: the request line has a limit before our code)."""
    return field(data, real)[:100]


async def send(
    data: st.DataObject, member: Staff, method: str, path: str, form: dict[str, str]
) -> int:
    """The request in a drawn shape (the session's CSRF token in it unless drawn otherwise);
    the status of the answer, redirects not followed."""
    shape = data.draw(st.sampled_from(["urlencoded", "multipart", "raw", "json", "no csrf"]))
    headers: dict[str, str] = {}
    body: Any
    if method == "GET":
        shape, body = "query", None
    elif shape in ("urlencoded", "no csrf"):
        body = form | ({"csrf": member.csrf} if shape == "urlencoded" else {})
    elif shape == "multipart":
        body = aiohttp.FormData({"csrf": member.csrf})
        for name, value in form.items():
            if data.draw(st.booleans()):  # a file where the form has a text field
                body.add_field(name, value.encode(), filename="x.txt", content_type="text/plain")
            else:
                body.add_field(name, value)
    elif shape == "raw":
        body = b"csrf=" + member.csrf.encode() + b"&" + data.draw(RAW_FORMS)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    else:
        body, headers = json.dumps(form).encode(), {"X-CSRF-Token": member.csrf}
        headers["Content-Type"] = "application/json"
    # Query values stay short: aiohttp refuses a request line over 8 KiB before our code.
    params = {name: value[:300] for name, value in form.items()} if method == "GET" else None
    async with member.http.request(
        method, path, data=body, params=params, headers=headers, allow_redirects=False
    ) as response:
        await response.read()
        if shape == "no csrf":
            assert response.status == 403, path
        return response.status


def no_server_error(status: int, path: str, caplog: pytest.LogCaptureFixture) -> None:
    """The property of every request: no 5xx, and no "Error handling request" from aiohttp
    (a handler raised). aiohttp's own refusal of a request line over 8 KiB (a 400) is
    logged the same way; it is the HTTP parser's, before any code of ours."""
    assert status < 500, (status, path)
    raised = [
        record.exc_info[1] if record.exc_info else record.getMessage()
        for record in caplog.records
        if record.name == "aiohttp.server"
    ]
    assert [error for error in raised if not isinstance(error, BadHttpMessage)] == []


# ------------------------------------------------------------------------ agent console


async def waiting_customer(sessions: SessionFactory) -> tuple[int, int]:
    """A Telegram customer who asked for a person and got one bot answer: the handoff's id
    and the id of the bot's answer (what an agent may flag)."""
    chat = str(next(_chats))
    message = InboundMessage(
        Channel.TELEGRAM, f"m{chat}", chat, chat, InboundKind.TEXT, "Mitarbeiter bitte"
    )
    store = SqlConversationStore(sessions)
    state = await store.open(message)
    await store.record_inbound(state, message, Understanding("human_handoff", 0.9, "handoff"))
    await store.record_outbound(state, Reply("Einen Moment bitte."), f"out{chat}")
    request = HandoffRequest(
        state.conversation_id, message.message_id, HandoffReason.REQUESTED, "de", False
    )
    handoff = await SqlHandoffDesk(sessions).request(request)
    async with sessions() as session:
        answer = await session.scalar(
            select(Message.id).where(
                Message.conversation_id == state.conversation_id, Message.direction == "out"
            )
        )
    assert answer is not None
    return handoff.id, answer


CONSOLE_STEPS = ["claim", "reply", "note", "transfer", "resolve", "flag", "page", "media", "queue"]


@FUZZ
@given(data=st.data())
async def test_the_agent_consoles_forms_and_pages_never_fail(
    site: AdminSite,
    staff: dict[str, Staff],
    sessions: SessionFactory,
    caplog: pytest.LogCaptureFixture,
    data: st.DataObject,
) -> None:
    agent = staff["agent"]
    handoff, answer = await waiting_customer(sessions)
    if data.draw(st.booleans()):  # most steps need the conversation claimed
        form = {"csrf": agent.csrf}
        async with agent.http.post(
            f"/agent/handoffs/{handoff}/claim", data=form, allow_redirects=False
        ) as r:
            assert r.status == 303
    handoff_id = data.draw(st.sampled_from([str(handoff)]) | NUMBERS)
    entry = data.draw(st.sampled_from([str(answer)]) | NUMBERS)
    base = f"/agent/handoffs/{handoff_id}"
    step = data.draw(st.sampled_from(CONSOLE_STEPS))
    method, path, form = {
        "claim": ("POST", f"{base}/claim", {}),
        "reply": ("POST", f"{base}/reply", {"text": field(data)}),
        "note": ("POST", f"{base}/note", {"text": field(data)}),
        "transfer": ("POST", f"{base}/transfer", {"to": field(data, ["admin", "editor", "agent"])}),
        "resolve": ("POST", f"{base}/resolve", {}),
        "flag": ("POST", f"{base}/flag/{entry}", {}),
        "page": ("GET", base, {"q": field(data), "insert": field(data), "flagged": field(data)}),
        "media": ("GET", f"{base}/media/{entry}", {}),
        "queue": ("GET", "/agent", {"taken": field(data)}),
    }[step]
    no_server_error(await send(data, agent, method, path, form), path, caplog)


# ---------------------------------------------------------------------------- FAQ admin

TOPIC_FIELDS = (
    "misses",
    "slug",
    "category",
    "owner",
    "last_reviewed",
    "enabled",
    "note",
    *(f"{lang}_{name}" for lang in ("de", "en") for name in ("question", "answer", "examples")),
)
ADMIN_STEPS = [
    "new topic",
    "draft",
    "workflow",
    "candidate",
    "topic page",
    "diff",
    "misses add",
    "misses dismiss",
    "misses page",
    "new topic page",
    "category",
    "category row",
    "category delete",
    "audit",
    "publication",
]


@settings(FUZZ, max_examples=200)
@given(data=st.data())
async def test_the_faq_admins_forms_and_pages_never_fail(
    site: AdminSite, staff: dict[str, Staff], caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    site_values = await known(staff)
    member = staff[data.draw(st.sampled_from(["admin", "editor"]))]
    slug = segment(data, site_values.slugs)
    category = segment(data, site_values.categories)
    number = data.draw(st.sampled_from([str(n) for n in site_values.revisions]) | NUMBERS)
    step = data.draw(st.sampled_from(ADMIN_STEPS))
    topic = {name: field(data, site_values.slugs, site_values.categories) for name in TOPIC_FIELDS}
    ids = {"ids": field(data), "slug": slug}
    names = {"slug": category, "de": field(data), "en": field(data), "move": field(data)}
    method, path, form = {
        "new topic": ("POST", "/admin/faq/new", topic),
        "draft": ("POST", f"/admin/faq/{slug}/draft", topic),
        "workflow": (
            "POST",
            f"/admin/faq/{slug}/revisions/{number}/"
            + segment(data, ["submit", "send-back", "publish", "rollback"]),
            {},
        ),
        "candidate": ("POST", f"/admin/faq/{slug}/candidate", {"q": field(data)}),
        "topic page": (
            "GET",
            f"/admin/faq/{slug}",
            {"q": field(data), "preview": field(data), "refused": field(data), "saved": ""},
        ),
        "diff": ("GET", f"/admin/faq/{slug}/diff", {"to": number, "from": field(data)}),
        "misses add": ("POST", "/admin/misses/add", ids),
        "misses dismiss": ("POST", "/admin/misses/dismiss", ids),
        "misses page": ("GET", "/admin/misses", {"done": field(data), "refused": field(data)}),
        "new topic page": ("GET", "/admin/faq/new", {"misses": field(data)}),
        "category": ("POST", "/admin/categories", names),
        "category row": ("POST", f"/admin/categories/{category}", names),
        "category delete": ("POST", f"/admin/categories/{category}/delete", {}),
        "audit": ("GET", "/admin/audit", {"page": field(data)}),
        "publication": ("GET", f"/admin/publications/{number}", {}),
    }[step]
    no_server_error(await send(data, member, method, path, form), path, caplog)


# --------------------------------------------------------------------------------- login


@settings(FUZZ, max_examples=40)
@given(data=st.data())
async def test_the_login_form_never_fails(
    site: AdminSite, caplog: pytest.LogCaptureFixture, data: st.DataObject
) -> None:
    async with aiohttp.ClientSession(
        base_url=site.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)
    ) as http:
        async with http.get("/agent/login", params={"next": field(data)[:300]}) as page:
            assert page.status == 200
            match = CSRF_FIELD.search(await page.text())
        assert match is not None
        form = {
            "username": field(data, list(ACCOUNTS)),
            "password": field(data, [PASSWORD]),
            "next": field(data, ["/admin", "//evil.example", "/agent?x=1"]),
            "csrf": field(data, [match[1]]),
        }
        async with http.post("/agent/login", data=form, allow_redirects=False) as response:
            no_server_error(response.status, "/agent/login", caplog)


# ------------------------------------------------- every hostile value in every text field


async def _status(member: Staff, method: str, path: str, form: dict[str, str]) -> int:
    data = form | {"csrf": member.csrf} if method == "POST" else None
    params = form if method == "GET" else None
    async with member.http.request(
        method, path, data=data, params=params, allow_redirects=False
    ) as response:
        await response.read()
        return response.status


# What random values only sometimes hit: NUL (which PostgreSQL refuses even in a lookup),
# control characters, SQL, HTML, a digit that is no number, an id no integer column holds.
FIELD_VALUES = ["a\x00b", "\r\n\t\x0b\x1b", HOSTILE[5], HOSTILE[7], "²", "9" * 30, "x" * 10_000]


@pytest.mark.parametrize("value", FIELD_VALUES, ids=lambda value: repr(value)[:20])
async def test_every_hostile_value_in_every_text_field(
    site: AdminSite,
    staff: dict[str, Staff],
    sessions: SessionFactory,
    caplog: pytest.LogCaptureFixture,
    value: str,
) -> None:
    agent, admin = staff["agent"], staff["admin"]
    handoff, _answer = await waiting_customer(sessions)
    base = f"/agent/handoffs/{handoff}"
    assert await _status(agent, "POST", f"{base}/claim", {}) == 303
    slug = (await known(staff)).slugs[0]
    topic = {name: "" for name in TOPIC_FIELDS}
    requests = [
        (agent, "POST", f"{base}/note", {"text": value}),
        (agent, "POST", f"{base}/reply", {"text": value}),
        (agent, "GET", base, {"q": value, "insert": value, "flagged": value}),
        (agent, "POST", f"{base}/transfer", {"to": value}),
        *(
            (admin, "POST", "/admin/faq/new", topic | {"slug": "fuzz-topic", name: value})
            for name in TOPIC_FIELDS
        ),
        *(
            (admin, "POST", f"/admin/faq/{slug}/draft", topic | {name: value})
            for name in TOPIC_FIELDS
        ),
        (admin, "GET", f"/admin/faq/{slug}", {"q": value, "preview": value}),
        (admin, "POST", "/admin/misses/add", {"ids": value, "slug": value}),
        (admin, "POST", "/admin/misses/dismiss", {"ids": value}),
        (admin, "POST", "/admin/categories", {"slug": value, "de": value, "en": value}),
        (admin, "POST", "/admin/categories", {"slug": "fuzz", "de": value, "en": value}),
        (admin, "GET", "/admin/faq/new", {"misses": value}),
        (admin, "GET", "/admin/audit", {"page": value}),
        (admin, "GET", f"/admin/faq/{slug}/diff", {"to": value, "from": value}),
    ]
    too_big = "9" * 30  # an id no integer column holds
    requests += [
        (agent, "POST", f"/agent/handoffs/{too_big}/claim", {}),
        (agent, "POST", f"{base}/flag/{too_big}", {}),
        (agent, "GET", f"/agent/handoffs/{too_big}/media/{too_big}", {}),
    ]
    for member, method, path, form in requests:
        no_server_error(await _status(member, method, path, form), f"{path} {form}", caplog)
    # A form whose bytes are no UTF-8 (a browser never sends one): refused before a handler.
    raw = f"csrf={agent.csrf}&text=".encode() + value.encode()[:50] + b"\xff\xfe"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    async with agent.http.post(f"{base}/note", data=raw, headers=headers) as response:
        assert response.status == 400
    no_server_error(response.status, f"{base}/note", caplog)
