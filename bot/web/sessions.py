"""The staff browser session behind bot/web/auth.py: its Redis record and cookie, the
middleware that guards /agent, /admin and /api (session, CSRF), the security headers of
every response, and login throttling. Whatever lives in Redis has a TTL."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import warnings
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import redis.asyncio as aioredis
from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from bot.keys import Keys
from bot.web.templates import request_language, translate

if TYPE_CHECKING:
    from bot.web.auth import StaffUser, UserStore

SESSION_COOKIE = "sb_session"
SESSION_TTL_SECONDS = 8 * 3600  # sliding: every request of the session renews it
FAILURE_LIMIT = 5
FAILURE_WINDOW_SECONDS = 15 * 60
CONSOLE_PREFIXES = ("/agent", "/admin", "/api")
API_PREFIX = "/api"
PUBLIC_PATHS = frozenset({"/api/openapi.json"})  # describes the API, reveals nothing
SAFE_METHODS = frozenset({"GET", "HEAD"})
CSRF_HEADER = "X-CSRF-Token"
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
SECURITY_HEADERS = {  # on every response: pages, JSON, errors, static files
    "Content-Security-Policy": (
        "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
        "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
CONSOLE_HEADERS = {"Cache-Control": "no-store"}  # staff pages and API answers stay off disks
HSTS = {"Strict-Transport-Security": "max-age=31536000"}  # a year: HTTPS only from now on

RedisGetter = Callable[[], aioredis.Redis]


@dataclass(frozen=True, slots=True)
class StaffSession:
    """Who is logged in, and the CSRF token their forms must carry."""

    user_id: int
    csrf: str


def new_token() -> str:
    """An unguessable token for cookies and CSRF fields."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """SHA-256 of a session token: a leaked Redis dump does not hand out live cookies."""
    return hashlib.sha256(token.encode()).hexdigest()


def same_token(sent: str, expected: str) -> bool:
    """Constant-time comparison of a token a client sent with the expected one."""
    return bool(sent) and hmac.compare_digest(sent.encode(), expected.encode())


def form_field(form: Mapping[str, object], name: str) -> str:
    """A text field of a submitted form; "" when missing or a file. Without NUL characters:
    PostgreSQL cannot store them (nor look them up), and nobody types one."""
    value = form.get(name)
    return value.replace("\x00", "") if isinstance(value, str) else ""


def set_cookie(
    response: web.StreamResponse, name: str, value: str, *, path: str, secure: bool
) -> None:
    """A cookie scripts cannot read and other sites' requests do not carry."""
    response.set_cookie(name, value, path=path, httponly=True, samesite="Strict", secure=secure)


def is_console_path(path: str) -> bool:
    """Whether a path belongs to the staff consoles."""
    return any(path == prefix or path.startswith(prefix + "/") for prefix in CONSOLE_PREFIXES)


def see_other(location: str) -> web.Response:
    """A 303 redirect (returned, so cookies set on it are kept)."""
    return web.Response(status=303, headers={"Location": location})


async def csrf_sent(request: web.Request) -> str:
    """The CSRF token a request carries: the X-CSRF-Token header, else a form's `csrf` field
    (reading the form here leaves it readable for the handler: aiohttp caches it)."""
    if (sent := request.headers.get(CSRF_HEADER)) is not None:
        return sent
    if request.content_type in FORM_TYPES:
        return form_field(await request.post(), "csrf")
    return ""


class SessionStore:
    """Sessions keyed by the digest of their cookie token, expiring after idle time."""

    def __init__(
        self, redis: RedisGetter, keys: Keys, ttl_seconds: int = SESSION_TTL_SECONDS
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds

    async def create(self, user_id: int) -> tuple[str, StaffSession]:
        """A new session for the user: the cookie token (never stored) and the session."""
        token, session = new_token(), StaffSession(user_id, new_token())
        key = self._keys.staff_session(token_digest(token))
        async with self._redis().pipeline(transaction=True) as pipe:
            pipe.hset(key, mapping={"user_id": str(user_id), "csrf": session.csrf})
            pipe.expire(key, self._ttl)
            await pipe.execute()
        return token, session

    async def load(self, token: str) -> StaffSession | None:
        """The session of a cookie token, its idle timeout renewed; None if unknown or expired."""
        key = self._keys.staff_session(token_digest(token))
        async with self._redis().pipeline(transaction=True) as pipe:
            pipe.hgetall(key)
            pipe.expire(key, self._ttl)
            fields, _renewed = await pipe.execute()
        try:
            return StaffSession(int(fields[b"user_id"]), fields[b"csrf"].decode())
        except (KeyError, ValueError):
            return None

    async def end(self, token: str) -> None:
        """Log the session out."""
        await self._redis().delete(self._keys.staff_session(token_digest(token)))

    async def logged_in(
        self, request: web.Request, users: UserStore
    ) -> tuple[StaffUser, StaffSession] | None:
        """The user and session of the request's cookie, if both still exist."""
        token = request.cookies.get(SESSION_COOKIE)
        session = await self.load(token) if token else None
        user = await users.get(session.user_id) if session else None
        return (user, session) if user and session else None


class LoginThrottle:
    """Counts failed logins per username and per client; blocks both for the rest of a
    fixed window once either reaches the limit."""

    def __init__(
        self,
        redis: RedisGetter,
        keys: Keys,
        limit: int = FAILURE_LIMIT,
        window_seconds: int = FAILURE_WINDOW_SECONDS,
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._limit = limit
        self._window = window_seconds

    def _counters(self, username: str, client: str) -> list[str]:
        failures = self._keys.login_failures
        return [failures(f"user:{username}"), failures(f"ip:{client}")]

    async def retry_after(self, username: str, client: str) -> int:
        """Seconds until another attempt is allowed; 0 when it is allowed now."""
        async with self._redis().pipeline(transaction=False) as pipe:
            for counter in self._counters(username, client):
                pipe.get(counter)
                pipe.ttl(counter)
            replies = await pipe.execute()
        waits = [
            max(int(ttl), 1)
            for count, ttl in zip(replies[::2], replies[1::2], strict=True)
            if count is not None and int(count) >= self._limit
        ]
        return max(waits, default=0)

    async def failed(self, username: str, client: str) -> None:
        """Count a failed attempt; the window starts with the first failure."""
        async with self._redis().pipeline(transaction=True) as pipe:
            for counter in self._counters(username, client):
                pipe.set(counter, 0, ex=self._window, nx=True)
                pipe.incr(counter)  # INCR keeps the TTL set above
            await pipe.execute()

    async def succeeded(self, username: str) -> None:
        """A correct password clears the username's count (not the client's)."""
        await self._redis().delete(self._keys.login_failures(f"user:{username}"))


def session_middleware(
    store: SessionStore, users: Callable[[], UserStore], login_path: str, logout_path: str
) -> Middleware:
    """Guards console paths except the login page: no session means a redirect to the login
    (GET, HEAD) or 401; unsafe methods need the session's CSRF token, else 403."""

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not is_console_path(request.path):
            return await handler(request)
        await _readable_form(request)
        if request.path in (login_path, *PUBLIC_PATHS):
            return await handler(request)
        api = request.path.startswith(API_PREFIX + "/")
        found = await store.logged_in(request, users())
        if found is None:
            if request.path == logout_path:
                return see_other(login_path)
            if api:
                return _api_error(401, "not_logged_in", "log in at " + login_path)
            if request.method in SAFE_METHODS:
                return see_other(str(URL(login_path).with_query(next=str(request.rel_url))))
            text = translate("error.not_logged_in", request_language(request))
            raise web.HTTPUnauthorized(text=text)
        user, session = found
        with warnings.catch_warnings():
            # The consoles' documented interface is the plain keys "user" and "csrf".
            warnings.simplefilter("ignore", web.NotAppKeyWarning)
            request["user"], request["csrf"] = user, session.csrf
        unsafe = request.method not in SAFE_METHODS
        # The API takes the token from the header only: its bodies are JSON, never forms.
        sent = request.headers.get(CSRF_HEADER, "") if api else await csrf_sent(request)
        if unsafe and not same_token(sent, session.csrf):
            if api:
                return _api_error(403, "csrf", f"send the session's CSRF token as {CSRF_HEADER}")
            raise web.HTTPForbidden(text=translate("error.csrf", request_language(request)))
        return await handler(request)

    return guard


async def _readable_form(request: web.Request) -> None:
    """Decode a posted form before any handler reads it (aiohttp keeps it for them): bytes
    that are not UTF-8 are the sender's mistake, a 400, not an exception in a handler."""
    if request.method in SAFE_METHODS or request.content_type not in FORM_TYPES:
        return
    try:
        await request.post()
    except ValueError:  # UnicodeDecodeError, or a multipart body that does not parse
        text = translate("error.bad_form", request_language(request))
        raise web.HTTPBadRequest(text=text) from None


def _api_error(status: int, error: str, message: str) -> web.Response:
    """The API's JSON error shape (faq/api_models.py ErrorOut) for refusals made here."""
    return web.json_response({"error": error, "message": message, "problems": []}, status=status)


def security_headers(
    *, https: bool
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """An on_response_prepare hook: no response may be framed, sniffed or leak its URL,
    console ones are not cached, and over `https` browsers are told to keep to it (HSTS)."""
    every = {**SECURITY_HEADERS, **(HSTS if https else {})}

    async def add(request: web.Request, response: web.StreamResponse) -> None:
        extra = CONSOLE_HEADERS if is_console_path(request.path) else {}
        for name, value in {**every, **extra}.items():
            response.headers.setdefault(name, value)  # a handler's own policy stays

    return add
