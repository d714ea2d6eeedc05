"""Access control of the app create_app builds, route by route.

Every route any configuration registers is classified below (public, development only, any
staff member, or the role it needs); a new route fails `test_every_route_is_classified`
until someone decides who may use it. Each protected route then refuses anonymous visitors
and every role that may not use it, and lets its own role (and admins) past; every
state-changing console request needs the session's CSRF token. Login throttling, the
production session cookie, logout and the security headers are checked on the same app.
One app serves the module (real Redis, SQLite, argon2 logins are slow); the tests that
would disturb its sessions start their own.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import make_mocked_request
from pydantic import SecretStr
from yarl import URL

from bot.app import create_app
from bot.commands import seed_demo
from bot.conversations import Understanding
from bot.messages import Channel, InboundKind, InboundMessage
from bot.redis_factory import EmbeddedRedis, connect
from bot.settings import Settings
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory, create_engine, session_factory
from bot.storage.migrate import upgrade
from bot.web.auth import Role, UserStore
from bot.web.templates import TEMPLATE_DIR, translate
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.adapters.sql_history import SqlConversationHistory
from crm_bridge.handoff import HandoffReason, HandoffRequest
from tests.net import free_port

pytestmark = pytest.mark.asyncio(loop_scope="module")

PASSWORD = "Schraube-M8-verzinkt"
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
ACCOUNTS = {"agent": Role.AGENT, "editor": Role.EDITOR, "admin": Role.ADMIN}
SITE_REDIS_DB, OWN_APP_REDIS_DB = 7, 8  # not the conftest's flushed database 0

Access = Role | Literal["public", "development", "staff"]
PUBLIC: Access = "public"  # no login: verified otherwise (webhooks) or reveals nothing
DEVELOPMENT: Access = "development"  # the simulator and Bot API stand-in, never in production
STAFF: Access = "staff"  # any logged-in account, whatever its role

HANDOFF = "/agent/handoffs/{handoff_id}"
TOPIC, API_TOPIC = "/admin/faq/{slug}", "/api/faq/topics/{slug}"
ROUTES: dict[tuple[str, str], Access] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("POST", "/webhooks/telegram"): PUBLIC,  # the secret token header
    ("GET", "/webhooks/whatsapp"): PUBLIC,  # Meta's verify token
    ("POST", "/webhooks/whatsapp"): PUBLIC,  # Meta's signature
    ("POST", "/webhooks/chatwoot/{token}"): PUBLIC,  # the token in the path
    ("POST", "/webhooks/crm"): PUBLIC,  # the CRM's signature
    ("GET", "/agent/login"): PUBLIC,
    ("POST", "/agent/login"): PUBLIC,  # the login form's own CSRF token
    ("GET", "/static"): PUBLIC,
    ("GET", "/api/openapi.json"): PUBLIC,
    ("*", "/dev/telegram-api/bot{token}/{method}"): DEVELOPMENT,
    ("GET", "/dev/telegram-api/file/bot{token}/{path}"): DEVELOPMENT,
    ("GET", "/dev/simulator"): DEVELOPMENT,
    ("GET", "/dev/simulator/api/messages"): DEVELOPMENT,
    ("POST", "/dev/simulator/api/messages"): DEVELOPMENT,
    ("POST", "/agent/logout"): STAFF,
    ("GET", "/api/me"): STAFF,
    ("GET", "/agent"): Role.AGENT,
    ("GET", "/agent/events"): Role.AGENT,
    ("GET", HANDOFF): Role.AGENT,
    ("POST", f"{HANDOFF}/claim"): Role.AGENT,
    ("POST", f"{HANDOFF}/reply"): Role.AGENT,
    ("POST", f"{HANDOFF}/transfer"): Role.AGENT,
    ("POST", f"{HANDOFF}/note"): Role.AGENT,
    ("GET", f"{HANDOFF}/media/{{entry_id}}"): Role.AGENT,
    ("POST", f"{HANDOFF}/flag/{{entry_id}}"): Role.AGENT,
    ("POST", f"{HANDOFF}/resolve"): Role.AGENT,
    ("GET", "/admin"): Role.EDITOR,
    ("GET", "/admin/faq"): Role.EDITOR,
    ("GET", "/admin/faq/new"): Role.EDITOR,
    ("POST", "/admin/faq/new"): Role.EDITOR,
    ("GET", TOPIC): Role.EDITOR,
    ("POST", f"{TOPIC}/draft"): Role.EDITOR,
    ("POST", f"{TOPIC}/revisions/{{number}}/{{step}}"): Role.EDITOR,  # all but submit: admins
    ("POST", f"{TOPIC}/candidate"): Role.EDITOR,
    ("GET", f"{TOPIC}/diff"): Role.EDITOR,
    ("GET", "/admin/publications"): Role.EDITOR,
    ("GET", "/admin/publications/{publication_id}"): Role.EDITOR,
    ("GET", "/admin/audit"): Role.ADMIN,
    ("GET", "/admin/misses"): Role.EDITOR,
    ("POST", "/admin/misses/add"): Role.EDITOR,
    ("POST", "/admin/misses/dismiss"): Role.EDITOR,
    ("GET", "/admin/categories"): Role.ADMIN,
    ("POST", "/admin/categories"): Role.ADMIN,
    ("POST", "/admin/categories/{category}"): Role.ADMIN,
    ("POST", "/admin/categories/{category}/delete"): Role.ADMIN,
    ("GET", "/admin/privacy"): Role.ADMIN,
    ("POST", "/admin/privacy/export"): Role.ADMIN,
    ("POST", "/admin/privacy/erase"): Role.ADMIN,
    ("GET", "/api/faq/topics"): Role.EDITOR,
    ("POST", "/api/faq/topics"): Role.EDITOR,
    ("GET", API_TOPIC): Role.EDITOR,
    ("PUT", f"{API_TOPIC}/draft"): Role.EDITOR,
    ("GET", f"{API_TOPIC}/revisions"): Role.EDITOR,
    ("GET", f"{API_TOPIC}/revisions/{{number}}"): Role.EDITOR,
    ("POST", f"{API_TOPIC}/revisions/{{number}}/submit"): Role.EDITOR,
    ("POST", f"{API_TOPIC}/revisions/{{number}}/send-back"): Role.ADMIN,
    ("POST", f"{API_TOPIC}/revisions/{{number}}/publish"): Role.ADMIN,
    ("POST", f"{API_TOPIC}/revisions/{{number}}/rollback"): Role.ADMIN,
    ("GET", f"{API_TOPIC}/diff"): Role.EDITOR,
    ("GET", "/api/faq/publications"): Role.EDITOR,
    ("GET", "/api/faq/publications/{publication_id}"): Role.EDITOR,
    ("POST", "/api/faq/preview"): Role.EDITOR,
    ("POST", "/api/faq/test"): Role.EDITOR,
    ("GET", "/api/faq/categories"): Role.EDITOR,
    ("PUT", "/api/faq/categories/{category}"): Role.ADMIN,
    ("DELETE", "/api/faq/categories/{category}"): Role.ADMIN,
    ("GET", "/api/faq/candidate"): Role.EDITOR,
    ("POST", "/api/faq/candidate"): Role.EDITOR,
    ("GET", "/api/faq/export"): Role.EDITOR,
    ("GET", "/api/audit"): Role.ADMIN,
    ("POST", "/api/privacy/export"): Role.ADMIN,
    ("POST", "/api/privacy/erase"): Role.ADMIN,
}
# State-changing routes that take no session and so no CSRF token: machines call them
# with their own proof, or they exist only on a developer's machine.
CSRF_EXEMPT = {
    ("POST", "/webhooks/telegram"),
    ("POST", "/webhooks/whatsapp"),
    ("POST", "/webhooks/chatwoot/{token}"),
    ("POST", "/webhooks/crm"),
    ("*", "/dev/telegram-api/bot{token}/{method}"),
    ("POST", "/dev/simulator/api/messages"),
}


@dataclass(frozen=True)
class Case:
    """One concrete request to a route. `{handoff}` and `{entry}` in `path` are the queued
    customer's, filled in when the app runs; `role` overrides the route's (a step that
    needs more than the route's check)."""

    method: str
    route: str
    path: str
    form: Mapping[str, str] | None = None
    json: Mapping[str, Any] | None = None
    role: Role | None = None

    @property
    def access(self) -> Access:
        """Who may send this request."""
        method = "GET" if self.method == "HEAD" else self.method
        return self.role or ROUTES[(method, self.route)]

    @property
    def api(self) -> bool:
        """Whether the JSON API answers it."""
        return self.path.startswith("/api/")

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _case(method: str, route: str, path: str = "", **extra: Any) -> Case:
    return Case(method, route, path or route, **extra)


EMPTY: dict[str, str] = {}
PROTECTED = [
    _case("GET", "/api/me"),
    _case("GET", "/agent"),
    _case("GET", "/agent/events"),
    _case("GET", HANDOFF, "/agent/handoffs/{handoff}"),
    _case("POST", f"{HANDOFF}/claim", "/agent/handoffs/{handoff}/claim", form=EMPTY),
    _case("POST", f"{HANDOFF}/reply", "/agent/handoffs/{handoff}/reply", form={"text": ""}),
    _case("POST", f"{HANDOFF}/transfer", "/agent/handoffs/{handoff}/transfer", form={"to": ""}),
    _case("POST", f"{HANDOFF}/note", "/agent/handoffs/{handoff}/note", form={"text": ""}),
    _case("GET", f"{HANDOFF}/media/{{entry_id}}", "/agent/handoffs/{handoff}/media/{entry}"),
    _case(
        "POST", f"{HANDOFF}/flag/{{entry_id}}", "/agent/handoffs/{handoff}/flag/{entry}", form=EMPTY
    ),
    # Last of the conversation's requests: afterwards it is the bot's again.
    _case("POST", f"{HANDOFF}/resolve", "/agent/handoffs/{handoff}/resolve", form=EMPTY),
    _case("GET", "/admin"),
    _case("GET", "/admin/faq"),
    _case("GET", "/admin/faq/new"),
    _case("POST", "/admin/faq/new", form=EMPTY),
    _case("GET", TOPIC, "/admin/faq/shipping_costs"),
    _case("POST", f"{TOPIC}/draft", "/admin/faq/shipping_costs/draft", form=EMPTY),
    *(
        _case(
            "POST",
            f"{TOPIC}/revisions/{{number}}/{{step}}",
            f"/admin/faq/shipping_costs/revisions/1/{step}",
            form=EMPTY,
            role=role,
        )
        for step, role in (
            ("submit", Role.EDITOR),
            ("send-back", Role.ADMIN),
            ("publish", Role.ADMIN),
            ("rollback", Role.ADMIN),
        )
    ),
    _case("POST", f"{TOPIC}/candidate", "/admin/faq/shipping_costs/candidate", form=EMPTY),
    _case("GET", f"{TOPIC}/diff", "/admin/faq/shipping_costs/diff?to=1"),
    _case("GET", "/admin/publications"),
    _case("GET", "/admin/publications/{publication_id}", "/admin/publications/1"),
    _case("GET", "/admin/audit"),
    _case("GET", "/admin/misses"),
    _case("POST", "/admin/misses/add", form={"ids": "", "slug": ""}),
    _case("POST", "/admin/misses/dismiss", form={"ids": ""}),
    _case("GET", "/admin/categories"),
    _case("POST", "/admin/categories", form={"slug": ""}),
    _case("POST", "/admin/categories/{category}", "/admin/categories/shipping", form=EMPTY),
    _case(
        "POST",
        "/admin/categories/{category}/delete",
        "/admin/categories/shipping/delete",
        form=EMPTY,
    ),
    _case("GET", "/admin/privacy"),
    _case("POST", "/admin/privacy/export", form={"chat_id": "", "phone": ""}),
    _case("POST", "/admin/privacy/erase", form={"chat_id": "", "phone": ""}),
    _case("GET", "/api/faq/topics"),
    _case("POST", "/api/faq/topics", json={}),
    _case("GET", API_TOPIC, "/api/faq/topics/shipping_costs"),
    _case("PUT", f"{API_TOPIC}/draft", "/api/faq/topics/shipping_costs/draft", json={}),
    _case("GET", f"{API_TOPIC}/revisions", "/api/faq/topics/shipping_costs/revisions"),
    _case("GET", f"{API_TOPIC}/revisions/{{number}}", "/api/faq/topics/shipping_costs/revisions/1"),
    *(
        _case(
            "POST",
            f"{API_TOPIC}/revisions/{{number}}/{step}",
            f"/api/faq/topics/shipping_costs/revisions/1/{step}",
        )
        for step in ("submit", "send-back", "publish", "rollback")
    ),
    _case("GET", f"{API_TOPIC}/diff", "/api/faq/topics/shipping_costs/diff?to=1"),
    _case("GET", "/api/faq/publications"),
    _case("GET", "/api/faq/publications/{publication_id}", "/api/faq/publications/1"),
    _case("POST", "/api/faq/preview", json={}),
    _case("POST", "/api/faq/test", json={}),
    _case("GET", "/api/faq/categories"),
    _case("PUT", "/api/faq/categories/{category}", "/api/faq/categories/shipping", json={}),
    _case("DELETE", "/api/faq/categories/{category}", "/api/faq/categories/shipping"),
    _case("GET", "/api/faq/candidate"),
    _case("POST", "/api/faq/candidate", json={}),
    _case("GET", "/api/faq/export"),
    _case("GET", "/api/audit"),
    _case("POST", "/api/privacy/export", json={}),
    _case("POST", "/api/privacy/erase", json={}),
    # Last: it ends the session it is sent with (the test gives it a fresh one).
    _case("POST", "/agent/logout", form=EMPTY),
]
# Every GET route answers HEAD too, through the same checks.
REQUESTS = PROTECTED + [replace(c, method="HEAD") for c in PROTECTED if c.method == "GET"]
UNSAFE = [c for c in PROTECTED if c.method not in ("GET", "HEAD")]
PUBLIC_GETS = ["/healthz", "/readyz", "/agent/login", "/static/console.css", "/api/openapi.json"]
DEV_GETS = ["/dev/simulator", "/dev/simulator/api/messages"]


def _refused_by(access: Access) -> list[Role]:
    """The logged-in roles that may not send a request needing `access`."""
    if not isinstance(access, Role):
        return []
    return [role for role in Role if not role.allows(access)]


def _allowed(access: Access) -> list[Role]:
    """The roles that may."""
    return [role for role in Role if role not in _refused_by(access)]


def _pairs(cases: list[Case], roles: Any) -> list[Any]:
    return [
        pytest.param(case, role, id=f"{case}-{role.value}")
        for case in cases
        for role in roles(case)
    ]


def _settings(base: Settings, redis_url: str, **changes: Any) -> Settings:
    return base.model_copy(update={"redis_url": redis_url, **changes})


def _base_settings(data: Path, redis_server: EmbeddedRedis) -> Settings:
    """A fresh migrated database and data dir; no NLU server and no Rasa where these look,
    so a publication or the test box fails fast instead of training."""
    data.mkdir(parents=True, exist_ok=True)
    database_url = f"sqlite+aiosqlite:///{data / 'test.db'}"
    upgrade(database_url)
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        data_dir=data / "var",
        database_url=database_url,
        redis_url=redis_server.url,
        telegram_secret_token=SecretStr("test-secret-token"),
        log_json=False,
        rasa_url=f"http://127.0.0.1:{free_port()}",
        rasa_venv=data / "no-rasa",
        model_dir=data / "models",
    )


def _redis_url(server: EmbeddedRedis, db: int) -> str:
    return f"{server.url}?db={db}"


async def _flush(url: str) -> None:
    client = connect(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()


async def _prepare(settings: Settings) -> None:
    """The demo company and one account per role."""
    await seed_demo(settings)
    engine = create_engine(settings.effective_database_url)
    try:
        users = UserStore(session_factory(engine))
        for name, role in ACCOUNTS.items():
            await users.create(name, name.title(), PASSWORD, role)
    finally:
        await engine.dispose()


async def _claimed_customer(sessions: SessionFactory) -> dict[str, int]:
    """A Telegram customer who asked for a person, claimed by the agent: the ids of the
    handoff and of the customer's message."""
    message = InboundMessage(
        Channel.TELEGRAM, "m1", "4242", "4242", InboundKind.TEXT, "Ich möchte einen Menschen"
    )
    store = SqlConversationStore(sessions)
    state = await store.open(message)
    await store.record_inbound(state, message, Understanding("human_handoff", 0.93))
    desk = SqlHandoffDesk(sessions)
    handoff = await desk.request(
        HandoffRequest(state.conversation_id, "m1", HandoffReason.REQUESTED, "de", callback=False)
    )
    assert await desk.claim(handoff.id, "agent")
    [entry] = await SqlConversationHistory(sessions).transcript(state.conversation_id)
    return {"handoff": handoff.id, "entry": entry.entry_id}


@asynccontextmanager
async def _running(settings: Settings) -> AsyncIterator[str]:
    """Serve create_app on the port `public_url` names (the dev Bot API stand-in lives in
    the app and is reached there)."""
    port = URL(settings.public_url).port if settings.public_url else free_port()
    assert port is not None
    runner = web.AppRunner(create_app(settings), handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


def _browser(base_url: str, address: str = "127.0.0.1") -> aiohttp.ClientSession:
    """A browser with its own cookies, connecting from `address` (any of 127/8 is this
    machine, so throttling per address can be seen)."""
    return aiohttp.ClientSession(
        base_url=base_url,
        cookie_jar=aiohttp.CookieJar(unsafe=True),
        connector=aiohttp.TCPConnector(local_addr=(address, 0)),
    )


async def _login(base_url: str, username: str, password: str = PASSWORD) -> aiohttp.ClientSession:
    """A browser that filled in the login form (raises unless it got in)."""
    http = _browser(base_url)
    response = await _post_login(http, username, password)
    assert response.status == 303, await response.text()
    return http


async def _post_login(
    http: aiohttp.ClientSession, username: str, password: str, language: str = "de"
) -> aiohttp.ClientResponse:
    headers = {"Accept-Language": language}
    async with http.get("/agent/login", headers=headers) as page:
        match = CSRF_FIELD.search(await page.text())
    assert match is not None
    form = {"username": username, "password": password, "csrf": match[1], "next": ""}
    async with http.post(
        "/agent/login", data=form, headers=headers, allow_redirects=False
    ) as response:
        await response.read()
        return response


async def _csrf(http: aiohttp.ClientSession) -> str:
    async with http.get("/api/me") as response:
        assert response.status == 200
        return str((await response.json())["csrf"])


@dataclass
class Site:
    """The running development app, a logged-in browser per role and an anonymous one."""

    base_url: str
    ids: dict[str, int]
    browsers: dict[str, aiohttp.ClientSession] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def browser(self, role: Role | None) -> aiohttp.ClientSession:
        """The role's browser; None: the anonymous one."""
        return self.browsers[role.value if role else "anonymous"]

    async def send(
        self,
        case: Case,
        role: Role | None,
        *,
        csrf: str | None = None,
        http: aiohttp.ClientSession | None = None,
    ) -> tuple[int, Mapping[str, str], str]:
        """Send the case's request as `role` (with `csrf` as a browser or script would, or
        none); status, headers and body. A stream (the console's events) is read no further
        than its headers."""
        http = http or self.browser(role)
        path = case.path.format(**self.ids)
        headers, form = {}, dict(case.form) if case.form is not None else None
        if csrf is not None and (case.api or form is None):
            headers["X-CSRF-Token"] = csrf
        elif csrf is not None and form is not None:
            form["csrf"] = csrf
        async with http.request(
            case.method, path, data=form, json=case.json, headers=headers, allow_redirects=False
        ) as response:
            stream = response.content_type == "text/event-stream"
            body = "" if stream or case.method == "HEAD" else await response.text()
            return response.status, response.headers, body


@pytest.fixture(scope="module")
def site_settings(
    tmp_path_factory: pytest.TempPathFactory, redis_server: EmbeddedRedis
) -> Settings:
    """Development mode, on its own Redis database, reachable at its public URL."""
    base = _base_settings(tmp_path_factory.mktemp("site"), redis_server)
    return _settings(
        base,
        _redis_url(redis_server, SITE_REDIS_DB),
        public_url=f"http://127.0.0.1:{free_port()}",
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def site(site_settings: Settings) -> AsyncIterator[Site]:
    """The app with the demo company, an account per role and a claimed customer."""
    await _flush(site_settings.redis_url)
    await _prepare(site_settings)
    engine = create_engine(site_settings.effective_database_url)
    try:
        ids = await _claimed_customer(session_factory(engine))
    finally:
        await engine.dispose()
    async with _running(site_settings) as base_url:
        running = Site(base_url, ids)
        running.browsers["anonymous"] = _browser(base_url)
        for name in ACCOUNTS:
            running.browsers[name] = await _login(base_url, name)
            running.tokens[name] = await _csrf(running.browsers[name])
        yield running
        for http in running.browsers.values():
            await http.close()
    await _flush(site_settings.redis_url)


@pytest.fixture
def own_settings(tmp_path: Path, redis_server: EmbeddedRedis) -> Settings:
    """Settings for a test's own app, on a Redis database of its own (flushed around it):
    its throttled logins and ended sessions touch no one else."""
    return _settings(
        _base_settings(tmp_path, redis_server), _redis_url(redis_server, OWN_APP_REDIS_DB)
    )


@asynccontextmanager
async def _own_app(settings: Settings) -> AsyncIterator[str]:
    await _flush(settings.redis_url)
    await _prepare(settings)
    try:
        async with _running(settings) as base_url:
            yield base_url
    finally:
        await _flush(settings.redis_url)


# -- every route is classified ------------------------------------------------------------


def _configurations(base: Settings) -> dict[str, Settings]:
    """Settings that between them switch on every optional route."""
    whatsapp = {
        "whatsapp_token": SecretStr("wa-token"),
        "whatsapp_phone_number_id": "1234567890",
        "whatsapp_app_secret": SecretStr("wa-app-secret"),
        "whatsapp_verify_token": SecretStr("wa-verify"),
    }
    chatwoot = {
        "crm": "chatwoot",
        "chatwoot_url": "https://chatwoot.example",
        "chatwoot_account_id": 1,
        "chatwoot_inbox_id": 2,
        "chatwoot_api_token": SecretStr("cw-token"),
        "chatwoot_webhook_token": SecretStr("cw-hook"),
    }
    signed = {
        "crm": "webhook",
        "crm_webhook_url": "https://crm.example/hook",
        "crm_webhook_secret": SecretStr("crm-secret"),
    }
    return {
        "development": base,
        "development, WhatsApp, Chatwoot": base.model_copy(update={**whatsapp, **chatwoot}),
        "production, WhatsApp, signed CRM webhook": base.model_copy(
            update={"environment": "production", **whatsapp, **signed}
        ),
    }


def _routes(app: web.Application) -> set[tuple[str, str]]:
    """(method, pattern) of every route; HEAD is left out where GET answers it too."""
    routes = {
        (route.method, route.resource.canonical) for route in app.router.routes() if route.resource
    }
    return {
        (method, path)
        for method, path in routes
        if not (method == "HEAD" and ("GET", path) in routes)
    }


async def test_every_route_is_classified(site_settings: Settings) -> None:
    registered: set[tuple[str, str]] = set()
    for name, settings in _configurations(site_settings).items():
        routes = _routes(create_app(settings))
        registered |= routes
        if settings.environment == "production":
            development = {r for r in routes if ROUTES.get(r) == DEVELOPMENT}
            assert development == set(), f"{name}: development routes in production"

    unclassified = sorted(registered - ROUTES.keys())
    assert unclassified == [], "classify these routes in ROUTES (who may use them?)"
    assert sorted(ROUTES.keys() - registered) == [], "ROUTES names routes nobody registers"


async def test_every_protected_route_has_a_request_that_reaches_it(site_settings: Settings) -> None:
    app = create_app(site_settings)
    protected = {key for key, access in ROUTES.items() if access not in (PUBLIC, DEVELOPMENT)}
    ids = {"handoff": 1, "entry": 1}
    for case in PROTECTED:
        request = make_mocked_request(case.method, case.path.format(**ids), app=app)
        match = await app.router.resolve(request)
        assert match.route.resource is not None, case
        assert (match.route.method, match.route.resource.canonical) == (case.method, case.route)
    assert {(c.method, c.route) for c in PROTECTED} == protected
    assert {(c.method, c.route) for c in UNSAFE} | CSRF_EXEMPT | {("POST", "/agent/login")} == {
        key for key in ROUTES if key[0] not in ("GET", "HEAD")
    }, "every state-changing route needs a CSRF case or a reason to be exempt"


# -- who may use which route --------------------------------------------------------------


@pytest.mark.parametrize("case", REQUESTS, ids=str)
async def test_anonymous_visitors_are_refused(site: Site, case: Case) -> None:
    status, headers, body = await site.send(case, None)

    path = case.path.format(**site.ids)
    if case.api:
        assert status == 401
        if case.method != "HEAD":
            assert '"error":"not_logged_in"' in body.replace(" ", "")
    elif case.method in ("GET", "HEAD"):
        assert status == 303
        location = URL(headers["Location"])
        assert (location.path, location.query["next"]) == ("/agent/login", path)
    elif case.route == "/agent/logout":
        assert (status, headers["Location"]) == (303, "/agent/login")
    else:
        assert status == 401
        assert body == translate("error.not_logged_in", "de")


@pytest.mark.parametrize(("case", "role"), _pairs(REQUESTS, lambda case: _refused_by(case.access)))
async def test_roles_that_may_not_use_a_route_get_403(site: Site, case: Case, role: Role) -> None:
    # With the session's CSRF token: the refusal is the role's, not the missing token's.
    status, _headers, body = await site.send(case, role, csrf=site.tokens[role.value])

    assert status == 403
    if case.method != "HEAD" and case.api:
        assert '"error":"forbidden"' in body.replace(" ", "")
    elif case.method != "HEAD":
        assert body != translate("error.csrf", "de")


@pytest.mark.parametrize(("case", "role"), _pairs(REQUESTS, lambda case: _allowed(case.access)))
async def test_the_roles_a_route_is_for_get_past_the_checks(
    site: Site, case: Case, role: Role
) -> None:
    http, token = site.browser(role), site.tokens[role.value]
    fresh = case.route == "/agent/logout"
    if fresh:
        http = await _login(site.base_url, role.value)
        token = await _csrf(http)
    try:
        status, headers, body = await site.send(case, role, csrf=token, http=http)
    finally:
        if fresh:
            await http.close()

    assert status not in (401, 403), body
    assert status < 500, body
    assert not headers.get("Location", "").startswith("/agent/login?")


@pytest.mark.parametrize("case", UNSAFE, ids=str)
async def test_state_changes_without_the_csrf_token_are_refused(site: Site, case: Case) -> None:
    role = case.access if isinstance(case.access, Role) else Role.AGENT
    for csrf in (None, "not-the-sessions-token"):
        status, _headers, body = await site.send(case, role, csrf=csrf)

        assert status == 403
        if case.api:
            assert '"error":"csrf"' in body.replace(" ", "")
        else:
            assert body == translate("error.csrf", "de")
    assert await _csrf(site.browser(role)) == site.tokens[role.value]  # still logged in


async def test_a_login_form_without_its_token_is_refused(site: Site) -> None:
    form = {"username": "agent", "password": PASSWORD, "next": ""}
    async with site.browser(Role.AGENT).post(
        "/agent/login", data=form, allow_redirects=False
    ) as response:
        assert response.status == 403
        assert "sb_session" not in response.cookies


@pytest.mark.parametrize("path", PUBLIC_GETS + DEV_GETS)
async def test_public_routes_need_no_login(site: Site, path: str) -> None:
    async with site.browser(None).get(path, allow_redirects=False) as response:
        assert response.status in (200, 503)  # /readyz: no NLU server here


# -- login throttling ---------------------------------------------------------------------


async def test_wrong_passwords_for_one_account_lock_it_even_for_the_right_one(
    own_settings: Settings,
) -> None:
    async with _own_app(own_settings) as base_url:
        for attempt in range(5):  # from five addresses: only the account reaches the limit
            async with _browser(base_url, f"127.0.0.{10 + attempt}") as http:
                assert (await _post_login(http, "editor", "Schraube-falsch-1")).status == 401

        async with _browser(base_url, "127.0.0.20") as http:
            blocked = await _post_login(http, "editor", PASSWORD, language="en")
            async with http.get("/api/me") as me:
                assert me.status == 401
            other = await _post_login(http, "agent", PASSWORD)

    assert blocked.status == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert translate("login.throttled", "en", minutes=15) in await blocked.text()
    assert "sb_session" not in blocked.cookies
    assert other.status == 303  # the address is not locked, nor other accounts


async def test_wrong_passwords_from_one_address_lock_out_every_account(
    own_settings: Settings,
) -> None:
    async with _own_app(own_settings) as base_url:
        async with _browser(base_url, "127.0.0.30") as http:
            for name in ("agent", "editor", "nobody", "mallory", "agent"):
                assert (await _post_login(http, name, "Schraube-falsch-1")).status == 401
            blocked = await _post_login(http, "admin", PASSWORD)
        async with _browser(base_url, "127.0.0.31") as http:
            elsewhere = await _post_login(http, "admin", PASSWORD)

    assert blocked.status == 429
    assert translate("login.throttled", "de", minutes=15) in await blocked.text()
    assert "sb_session" not in blocked.cookies
    assert elsewhere.status == 303  # the account itself is not locked


# -- the session cookie and logout in production --------------------------------------------


def _cookie(response: aiohttp.ClientResponse, name: str) -> tuple[str, set[str]]:
    """A cookie's value and its lower-cased attributes, as the response set it."""
    [header] = [c for c in response.headers.getall("Set-Cookie") if c.startswith(f"{name}=")]
    value, *attributes = header.split(";")
    return value.split("=", 1)[1], {part.strip().lower() for part in attributes}


async def test_production_session_cookie_is_secure_and_logout_ends_it(
    own_settings: Settings,
) -> None:
    production = own_settings.model_copy(update={"environment": "production"})
    # The client would keep Secure cookies from plain HTTP: send them as an HTTPS browser does.
    async with (
        _own_app(production) as base_url,
        aiohttp.ClientSession(base_url=base_url, cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        async with http.get("/agent/login") as page:
            login_token, login_attributes = _cookie(page, "sb_login")
            match = CSRF_FIELD.search(await page.text())
        assert match is not None
        form = {"username": "agent", "password": PASSWORD, "csrf": match[1], "next": ""}
        async with http.post(
            "/agent/login",
            data=form,
            headers={"Cookie": f"sb_login={login_token}"},
            allow_redirects=False,
        ) as response:
            assert response.status == 303
            session, attributes = _cookie(response, "sb_session")
        for cookie_attributes in (login_attributes, attributes):
            assert {"httponly", "secure"} <= cookie_attributes
            assert cookie_attributes & {"samesite=strict", "samesite=lax"}
        assert "path=/" in attributes
        cookie = {"Cookie": f"sb_session={session}"}
        async with http.get("/api/me", headers=cookie) as me:
            assert me.status == 200
            csrf = (await me.json())["csrf"]

        async with http.post(
            "/agent/logout", data={"csrf": csrf}, headers=cookie, allow_redirects=False
        ) as logout:
            assert (logout.status, logout.headers["Location"]) == (303, "/agent/login")
            cleared, _ = _cookie(logout, "sb_session")
        assert cleared in ("", '""')

        async with http.get("/api/me", headers=cookie) as me:  # the old cookie, kept
            assert me.status == 401
        async with http.get("/agent", headers=cookie, allow_redirects=False) as page:
            assert page.status == 303
            assert URL(page.headers["Location"]).path == "/agent/login"


# -- security headers ---------------------------------------------------------------------


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


def _check_security_headers(what: str, headers: Mapping[str, str]) -> None:
    policy = _directives(headers.get("Content-Security-Policy", ""))
    scripts = policy.get("script-src", policy.get("default-src"))
    assert scripts, f"{what}: no script policy"
    assert "'unsafe-inline'" not in scripts, what
    assert "'unsafe-eval'" not in scripts, what
    assert "*" not in scripts, what
    framing = headers.get("X-Frame-Options") == "DENY" or policy.get("frame-ancestors") == [
        "'none'"
    ]
    assert framing, f"{what}: may be framed"
    assert headers.get("X-Content-Type-Options") == "nosniff", what
    assert headers.get("Referrer-Policy") in ("no-referrer", "same-origin", "strict-origin"), what


async def _responses(
    http: aiohttp.ClientSession, agent: aiohttp.ClientSession | None
) -> dict[str, Mapping[str, str]]:
    """The headers of each kind of response: pages, JSON, errors, a static file, a probe."""
    requests = {
        "login page": (http, "/agent/login"),
        "API document": (http, "/api/openapi.json"),
        "API refusal": (http, "/api/faq/topics"),
        "404 outside the consoles": (http, "/no/such/page"),
        "static file": (http, "/static/console.css"),
        "liveness probe": (http, "/healthz"),
        "webhook refusal": (http, "/webhooks/telegram"),
    }
    if agent is not None:
        requests |= {
            "console page": (agent, "/agent"),
            "API JSON": (agent, "/api/me"),
            "API 404": (agent, "/api/no-such-thing"),
            "console 404": (agent, "/agent/handoffs/999999"),
        }
    found: dict[str, Mapping[str, str]] = {}
    for what, (client, path) in requests.items():
        method = "POST" if path.startswith("/webhooks/") else "GET"
        async with client.request(method, path, allow_redirects=False) as response:
            found[what] = response.headers
    return found


async def test_every_kind_of_response_carries_the_security_headers(site: Site) -> None:
    responses = await _responses(site.browser(None), site.browser(Role.AGENT))

    for what, headers in responses.items():
        _check_security_headers(what, headers)
        assert "Strict-Transport-Security" not in headers, f"{what}: HSTS in development"
    assert responses["console page"]["Cache-Control"] == "no-store"
    assert responses["API JSON"]["Cache-Control"] == "no-store"


async def test_production_adds_hsts_to_every_response(own_settings: Settings) -> None:
    production = own_settings.model_copy(update={"environment": "production"})
    async with _own_app(production) as base_url, _browser(base_url) as http:
        responses = await _responses(http, None)

    for what, headers in responses.items():
        _check_security_headers(what, headers)
        hsts = _directives(headers.get("Strict-Transport-Security", "").replace("=", " "))
        assert int(hsts["max-age"][0]) >= 180 * 24 * 3600, what


async def test_the_simulator_allows_only_its_own_inline_script(site: Site) -> None:
    async with site.browser(None).get("/dev/simulator") as response:
        page = await response.text()
        policy = _directives(response.headers["Content-Security-Policy"])
    _check_security_headers("simulator", response.headers)

    [script] = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert policy["script-src"] == [f"'sha256-{digest}'"]


async def test_console_templates_need_no_inline_scripts() -> None:
    """The consoles' policy forbids inline scripts: no page may depend on one."""
    for template in sorted(TEMPLATE_DIR.glob("*.html")):
        html = template.read_text(encoding="utf-8")
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == [], template.name
        assert re.findall(r"\son[a-z]+\s*=", html) == [], template.name
        assert "javascript:" not in html, template.name
