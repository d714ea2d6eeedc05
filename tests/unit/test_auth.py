"""Staff login on a small aiohttp app: sessions in real Redis, accounts in SQLite."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack

import pytest
import redis.asyncio as aioredis
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from yarl import URL

from bot.keys import Keys
from bot.storage.database import SessionFactory
from bot.web.auth import Role, StaffUser, UserStore, require_role, safe_next, setup_auth
from bot.web.sessions import SESSION_TTL_SECONDS, LoginThrottle
from bot.web.templates import render

Client = TestClient[web.Request, web.Application]
MakeClient = Callable[..., Awaitable[Client]]
KEYS = Keys(prefix="authtest")
PASSWORD = "Schraube-M8-verzinkt"
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')


async def whoami(request: web.Request) -> web.Response:
    """Protected: the logged-in user's name."""
    user: StaffUser = request["user"]
    return web.Response(text=user.username)


async def home(request: web.Request) -> web.Response:
    """Protected: the base layout (header with the logout form and its CSRF field)."""
    return render(request, "base.html")


@require_role(Role.ADMIN)
async def poke(_request: web.Request) -> web.Response:
    """Protected, admins only."""
    return web.Response(text="poked")


@require_role(Role.AGENT)
async def queue(_request: web.Request) -> web.Response:
    """Protected, agents (and so admins) only."""
    return web.Response(text="queue")


@pytest.fixture
async def users(sessions: SessionFactory) -> UserStore:
    """The accounts: an agent, an editor and an admin."""
    store = UserStore(sessions, FAST_HASHER)
    await store.create("anna", "Anna Berg", PASSWORD, Role.AGENT)
    await store.create("erik", "Erik Roth", PASSWORD, Role.EDITOR, language="en")
    await store.create("ada", "Ada Admin", PASSWORD, Role.ADMIN)
    return store


@pytest.fixture
async def make_client(users: UserStore, redis: aioredis.Redis) -> AsyncIterator[MakeClient]:
    """Builds test clients (each its own browser) on an app with setup_auth and the dummy
    console handlers; the user store comes through a getter, as create_app passes it."""
    async with AsyncExitStack() as stack:

        async def make(*, secure_cookies: bool = False) -> Client:
            app = web.Application()
            setup_auth(app, lambda: users, lambda: redis, KEYS, secure_cookies=secure_cookies)
            app.router.add_get("/agent/whoami", whoami)
            app.router.add_get("/agent/home", home)
            app.router.add_post("/agent/poke", poke)
            app.router.add_post("/agent/queue", queue)
            return await stack.enter_async_context(TestClient(TestServer(app)))

        yield make


@pytest.fixture
async def client(make_client: MakeClient) -> Client:
    """A client of the app with plain-HTTP cookies."""
    return await make_client()


async def login(
    client: Client,
    username: str,
    password: str = PASSWORD,
    next_path: str = "",
    language: str = "de",
) -> ClientResponse:
    """Fill in and send the login form as a browser would."""
    headers = {"Accept-Language": language}
    page = await client.get("/agent/login", headers=headers)
    match = CSRF_FIELD.search(await page.text())
    assert match is not None
    form = {"username": username, "password": password, "csrf": match[1], "next": next_path}
    return await client.post("/agent/login", data=form, headers=headers, allow_redirects=False)


async def session_csrf(client: Client) -> str:
    """The logged-in session's CSRF token, as the page's forms carry it."""
    match = CSRF_FIELD.search(await (await client.get("/agent/home")).text())
    assert match is not None
    return match[1]


def session_token(client: Client) -> str:
    """The session cookie's value."""
    cookie = client.session.cookie_jar.filter_cookies(client.make_url("/agent/whoami"))
    return cookie["sb_session"].value


async def test_logged_out_pages_redirect_to_the_login_with_next(client: Client) -> None:
    response = await client.get("/agent/whoami?tab=open", allow_redirects=False)

    assert response.status == 303
    location = URL(response.headers["Location"])
    assert location.path == "/agent/login"
    assert location.query["next"] == "/agent/whoami?tab=open"
    admin = await client.get("/admin/faq", allow_redirects=False)
    assert URL(admin.headers["Location"]).query["next"] == "/admin/faq"


async def test_logged_out_posts_get_a_plain_401(client: Client) -> None:
    response = await client.post("/agent/poke", data={"csrf": "x"})

    assert response.status == 401
    assert response.content_type == "text/plain"
    assert "angemeldet" in await response.text()


async def test_login_sets_a_strict_http_only_session_cookie(client: Client) -> None:
    response = await login(client, "anna", next_path="/agent/whoami")

    assert response.status == 303
    assert response.headers["Location"] == "/agent/whoami"
    [cookie] = [c for c in response.headers.getall("Set-Cookie") if c.startswith("sb_session=")]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= attributes
    assert "secure" not in attributes
    whoami_response = await client.get("/agent/whoami")
    assert whoami_response.status == 200
    assert await whoami_response.text() == "anna"


async def test_cookies_are_secure_when_asked(make_client: MakeClient) -> None:
    client = await make_client(secure_cookies=True)
    page = await client.get("/agent/login")
    match = CSRF_FIELD.search(await page.text())
    assert match is not None
    form = {"username": "anna", "password": PASSWORD, "csrf": match[1]}

    # The client keeps Secure cookies away from plain HTTP, so send it as an HTTPS browser would.
    headers = {"Cookie": f"sb_login={page.cookies['sb_login'].value}"}
    response = await client.post("/agent/login", data=form, headers=headers, allow_redirects=False)

    assert response.status == 303
    for name, answer in (("sb_login", page), ("sb_session", response)):
        [cookie] = [c for c in answer.headers.getall("Set-Cookie") if c.startswith(f"{name}=")]
        assert "secure" in {part.strip().lower() for part in cookie.split(";")[1:]}


async def test_redis_keeps_only_a_digest_of_the_token_with_a_sliding_ttl(
    client: Client, redis: aioredis.Redis
) -> None:
    await login(client, "anna")
    token = session_token(client)
    key = KEYS.staff_session(hashlib.sha256(token.encode()).hexdigest())

    assert await redis.exists(KEYS.staff_session(token)) == 0
    assert SESSION_TTL_SECONDS - 60 < await redis.ttl(key) <= SESSION_TTL_SECONDS
    await redis.expire(key, 100)
    assert (await client.get("/agent/whoami")).status == 200
    assert await redis.ttl(key) > SESSION_TTL_SECONDS - 60


async def test_wrong_password_shows_the_form_again_without_a_session(client: Client) -> None:
    response = await login(client, "anna", "not the password", next_path="/agent/whoami")

    assert response.status == 401
    assert "Benutzername oder Passwort ist falsch." in await response.text()
    assert 'name="next" value="/agent/whoami"' in await response.text()
    assert (await client.get("/agent/whoami", allow_redirects=False)).status == 303


async def test_login_form_without_its_csrf_token_is_refused(client: Client) -> None:
    await client.get("/agent/login")
    form = {"username": "anna", "password": PASSWORD, "csrf": "forged"}

    response = await client.post("/agent/login", data=form, allow_redirects=False)

    assert response.status == 403
    assert "sb_session" not in response.cookies
    assert (await client.get("/agent/whoami", allow_redirects=False)).status == 303


async def test_the_layout_names_the_user_and_escapes_what_they_typed(
    client: Client, users: UserStore
) -> None:
    await users.create("mallory", "<script>alert(1)</script>", PASSWORD, Role.AGENT)
    await login(client, "mallory")

    page = await (await client.get("/agent/home")).text()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in page
    assert '<form method="post" action="/agent/logout">' in page
    assert "Abmelden" in page
    assert "servicebot" in page


async def test_a_post_needs_the_session_csrf_token(client: Client) -> None:
    await login(client, "ada")
    csrf = await session_csrf(client)

    assert (await client.post("/agent/poke")).status == 403
    assert (await client.post("/agent/poke", data={"csrf": "wrong"})).status == 403
    assert (await client.post("/agent/poke", headers={"X-CSRF-Token": "wrong"})).status == 403
    by_header = await client.post("/agent/poke", headers={"X-CSRF-Token": csrf})
    assert by_header.status == 200
    assert await by_header.text() == "poked"
    assert (await client.post("/agent/poke", data={"csrf": csrf})).status == 200


async def test_roles_are_checked_and_admin_may_do_everything(make_client: MakeClient) -> None:
    async def status(username: str, path: str) -> int:
        client = await make_client()
        await login(client, username)
        csrf = await session_csrf(client)
        return (await client.post(path, headers={"X-CSRF-Token": csrf})).status

    assert await status("anna", "/agent/poke") == 403
    assert await status("erik", "/agent/poke") == 403
    assert await status("ada", "/agent/poke") == 200
    assert await status("anna", "/agent/queue") == 200
    assert await status("erik", "/agent/queue") == 403
    assert await status("ada", "/agent/queue") == 200


async def test_the_role_refusal_is_plain_text_in_the_users_language(client: Client) -> None:
    await login(client, "erik")  # English-speaking editor
    csrf = await session_csrf(client)

    response = await client.post("/agent/poke", headers={"X-CSRF-Token": csrf})

    assert response.status == 403
    assert response.content_type == "text/plain"
    assert await response.text() == "Your account is not allowed to do this."


async def test_logout_ends_the_session_on_the_server(client: Client, redis: aioredis.Redis) -> None:
    await login(client, "anna")
    token, csrf = session_token(client), await session_csrf(client)

    response = await client.post("/agent/logout", data={"csrf": csrf}, allow_redirects=False)

    assert response.status == 303
    assert response.headers["Location"] == "/agent/login"
    assert await redis.keys(KEYS.staff_session("*")) == []
    client.session.cookie_jar.update_cookies({"sb_session": token})  # a copied cookie
    assert (await client.get("/agent/whoami", allow_redirects=False)).status == 303


async def test_logout_needs_the_csrf_token(client: Client) -> None:
    await login(client, "anna")

    assert (await client.post("/agent/logout", allow_redirects=False)).status == 403
    assert (await client.get("/agent/whoami")).status == 200


async def test_five_wrong_passwords_block_even_the_right_one(client: Client) -> None:
    for _ in range(5):
        assert (await login(client, "anna", "wrong password")).status == 401

    blocked = await login(client, "anna", language="en")

    assert blocked.status == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    assert "Too many failed sign-in attempts" in await blocked.text()
    assert "sb_session" not in blocked.cookies
    assert (await client.get("/agent/whoami", allow_redirects=False)).status == 303
    german = await login(client, "anna")
    assert german.status == 429
    assert "Zu viele fehlgeschlagene Anmeldeversuche" in await german.text()


async def test_five_failures_from_one_client_block_other_usernames(client: Client) -> None:
    for name in ("bert", "carla", "dora", "emil", "anna"):
        assert (await login(client, name, "wrong password")).status == 401

    assert (await login(client, "ada")).status == 429


async def test_a_successful_login_clears_the_usernames_count(redis: aioredis.Redis) -> None:
    throttle = LoginThrottle(lambda: redis, KEYS)
    for attempt in range(4):
        await throttle.failed("anna", f"10.0.0.{attempt}")
    await throttle.succeeded("anna")
    for attempt in range(4):
        await throttle.failed("anna", f"10.0.1.{attempt}")

    assert await throttle.retry_after("anna", "10.0.2.1") == 0
    await throttle.failed("anna", "10.0.2.1")
    assert await throttle.retry_after("anna", "10.0.2.2") > 0
    assert await redis.ttl(KEYS.login_failures("user:anna")) <= 15 * 60


async def test_logging_in_clears_the_usernames_failures(
    client: Client, redis: aioredis.Redis
) -> None:
    throttle = LoginThrottle(lambda: redis, KEYS)
    for attempt in range(4):  # someone elsewhere mistyped anna's password
        await throttle.failed("anna", f"10.0.0.{attempt}")

    assert (await login(client, "anna")).status == 303

    assert await redis.exists(KEYS.login_failures("user:anna")) == 0
    assert await redis.exists(KEYS.login_failures("ip:10.0.0.1")) == 1


async def test_next_must_stay_on_this_site(client: Client) -> None:
    evil = await login(client, "anna", next_path="//evil.example")

    assert evil.status == 303
    assert evil.headers["Location"] == "/agent"
    page = await client.get("/agent/login?next=//evil.example", allow_redirects=False)
    assert page.headers["Location"] == "/agent"  # logged in: goes home, not away


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "evil.example",
        "javascript:alert(1)",
        "/ok path",
        "",
    ],
)
def test_safe_next_refuses_anything_but_a_local_path(target: str) -> None:
    assert safe_next(target) == ""


def test_safe_next_keeps_local_paths() -> None:
    assert safe_next("/agent/queue?tab=open") == "/agent/queue?tab=open"
    assert safe_next("/admin/") == "/admin/"


async def test_the_login_page_speaks_the_browsers_language(client: Client) -> None:
    german = await client.get("/agent/login", headers={"Accept-Language": "de-DE,de;q=0.9"})
    english = await client.get(
        "/agent/login", headers={"Accept-Language": "en-GB,en;q=0.9,de;q=0.8"}
    )
    default = await client.get("/agent/login")

    german_text, english_text = await german.text(), await english.text()
    assert '<html lang="de">' in german_text
    assert "Benutzername" in german_text
    assert "Passwort" in german_text
    assert "Password" not in german_text
    assert '<html lang="en">' in english_text
    assert "Username" in english_text
    assert "Password" in english_text
    assert "Benutzername" not in english_text
    assert '<html lang="de">' in await default.text()


async def test_security_headers_on_console_pages(client: Client) -> None:
    login_page = await client.get("/agent/login")
    redirect = await client.get("/admin/anything", allow_redirects=False)
    await login(client, "anna")
    page = await client.get("/agent/whoami")

    for response in (login_page, redirect, page):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "connect-src 'self'" in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


async def test_the_stylesheet_is_served_locally(client: Client) -> None:
    page = await (await client.get("/agent/login")).text()
    assert 'href="/static/console.css"' in page
    assert "http" not in re.sub(r'href="/[^"]*"', "", page.split("<body")[0])

    response = await client.get("/static/console.css")

    assert response.status == 200
    assert response.content_type == "text/css"
