"""Staff accounts and login for the consoles under /agent and /admin.

`setup_auth` mounts login, logout and the guard of bot/web/sessions.py: behind it, handlers
find the logged-in StaffUser in request["user"] and the session's CSRF token in
request["csrf"] (forms send it as field `csrf`, scripts as header X-CSRF-Token);
`require_role` narrows a handler to some roles.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

import redis.asyncio as aioredis
import structlog
from aiohttp import web
from aiohttp.typedefs import Handler
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.keys import Keys
from bot.storage.database import SessionFactory
from bot.storage.models import UserRecord
from bot.web import sessions as browser
from bot.web.templates import LANGUAGES, render, request_language, setup_static, translate

log = structlog.get_logger(__name__)
LOGIN_PATH = "/agent/login"
LOGOUT_PATH = "/agent/logout"
LOGIN_COOKIE = "sb_login"  # the login form's CSRF token (double submit), before any session
MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"[\w.@-]{1,64}")


class Role(StrEnum):
    """What a staff member does. Not a ladder: ADMIN may do everything, while AGENT (answers
    customers) and EDITOR (edits the FAQ) may each do only their own work."""

    AGENT = "agent"
    EDITOR = "editor"
    ADMIN = "admin"

    def allows(self, required: Role) -> bool:
        """Whether this role may do what `required` may."""
        return self is required or self is Role.ADMIN


@dataclass(frozen=True)
class StaffUser:
    """A logged-in agent, editor or administrator."""

    id: int
    username: str
    display_name: str
    role: Role
    language: str  # of the console
    serves: frozenset[str] = frozenset({"de", "en"})  # customers' languages they answer


def normalise_username(username: str) -> str:
    """Usernames are compared lower-cased and without surrounding blanks."""
    return username.strip().lower()


def _staff(record: UserRecord) -> StaffUser:
    role = Role(record.role)
    serves = frozenset(record.serves.split(","))
    return StaffUser(record.id, record.username, record.display_name, role, record.language, serves)


class UserStore:
    """Staff accounts in SQL; passwords only as argon2id hashes."""

    def __init__(self, sessions: SessionFactory, hasher: PasswordHasher | None = None) -> None:
        self._sessions = sessions
        self._hasher = hasher or PasswordHasher()  # argon2id, RFC 9106 low-memory profile
        self._dummy_hash: str | None = None

    async def create(
        self,
        username: str,
        display_name: str,
        password: str,
        role: Role,
        language: str = "de",
        serves: Collection[str] = LANGUAGES,
    ) -> StaffUser:
        """A new account; ValueError for a taken or malformed username, a short password,
        an unknown role or language. `serves`: the customers' languages they answer."""
        name, role = normalise_username(username), Role(role)
        if not USERNAME_PATTERN.fullmatch(name):
            raise ValueError("a username is 1-64 letters, digits, '.', '_', '-' or '@'")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise ValueError(f"the password needs at least {MIN_PASSWORD_LENGTH} characters")
        if language not in LANGUAGES:
            raise ValueError(f"the language must be one of {', '.join(LANGUAGES)}")
        if not serves or not set(serves) <= set(LANGUAGES):
            raise ValueError(f"the customers' languages are some of {', '.join(LANGUAGES)}")
        record = UserRecord(
            username=name,
            display_name=display_name.strip() or name,
            password_hash=await asyncio.to_thread(self._hasher.hash, password),
            role=role.value,
            language=language,
            serves=",".join(sorted(set(serves))),
        )
        try:
            async with self._sessions.begin() as session:
                session.add(record)
        except IntegrityError:
            raise ValueError(f"the username {name!r} is already taken") from None
        return _staff(record)

    async def authenticate(self, username: str, password: str) -> StaffUser | None:
        """The user if the password is theirs, else None, in the same time either way."""
        if self._dummy_hash is None:
            self._dummy_hash = await asyncio.to_thread(self._hasher.hash, secrets.token_hex(16))
        async with self._sessions() as session:
            record = await session.scalar(
                select(UserRecord).where(UserRecord.username == normalise_username(username))
            )
        if record is None:
            await self._verify(self._dummy_hash, password)  # unknown names cost a check too
            return None
        if not await self._verify(record.password_hash, password):
            return None
        if self._hasher.check_needs_rehash(record.password_hash):
            new_hash = await asyncio.to_thread(self._hasher.hash, password)
            async with self._sessions.begin() as session:
                statement = update(UserRecord).where(UserRecord.id == record.id)
                await session.execute(statement.values(password_hash=new_hash))
        return _staff(record)

    async def with_role(self, role: Role) -> list[StaffUser]:
        """Everyone who may act in that role (admins count for every role), by name."""
        async with self._sessions() as session:
            records = await session.scalars(select(UserRecord).order_by(UserRecord.display_name))
            staff = [_staff(record) for record in records]
        return [user for user in staff if user.role.allows(role)]

    async def get(self, user_id: int) -> StaffUser | None:
        """The account with this id, if it still exists."""
        async with self._sessions() as session:
            record = await session.get(UserRecord, user_id)
        return None if record is None else _staff(record)

    async def _verify(self, password_hash: str, password: str) -> bool:
        # Argon2 takes a good tenth of a second of CPU: keep it off the event loop.
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerificationError, InvalidHashError):
            return False


def safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else "" (no open redirects): one leading "/",
    no backslashes, blanks or control characters that browsers might read as "//"."""
    if not target or len(target) > 2048 or not target.startswith("/") or target[1:2] == "/":
        return ""
    if "\\" in target or not all("!" <= char <= "~" for char in target):
        return ""
    return target


def require_role(*roles: Role) -> Callable[[Handler], Handler]:
    """Decorate a console handler: 403 unless the user's role allows one of `roles`
    (see Role.allows: ADMIN passes every check)."""
    if not roles:
        raise ValueError("require_role needs at least one role")

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            user = request.get("user")
            if not (isinstance(user, StaffUser) and any(user.role.allows(r) for r in roles)):
                text = translate("error.forbidden", request_language(request))
                raise web.HTTPForbidden(text=text)
            return await handler(request)

        return guarded

    return decorate


def _home(role: Role) -> str:
    """Where a login without `next` leads: editors work in the FAQ admin, the others (for
    now also admins) start at the agent console's queue."""
    return "/admin" if role is Role.EDITOR else "/agent"


class _Login:
    """The login page, login and logout."""

    def __init__(
        self,
        users: Callable[[], UserStore],
        redis: browser.RedisGetter,
        keys: Keys,
        secure_cookies: bool,
    ) -> None:
        self.users = users
        self.sessions = browser.SessionStore(redis, keys)
        self.throttle = browser.LoginThrottle(redis, keys)
        self.secure = secure_cookies

    def form(
        self,
        request: web.Request,
        next_path: str,
        error: str = "",
        status: int = 200,
        username: str = "",
        minutes: int = 0,
    ) -> web.Response:
        token = browser.new_token()
        message = translate(error, request_language(request), minutes=minutes) if error else ""
        context = {"csrf": token, "next": next_path, "error": message, "username": username}
        response = render(request, "login.html", status=status, **context)
        browser.set_cookie(response, LOGIN_COOKIE, token, path=LOGIN_PATH, secure=self.secure)
        return response

    async def page(self, request: web.Request) -> web.StreamResponse:
        next_path = safe_next(request.query.get("next"))
        found = await self.sessions.logged_in(request, self.users())
        if found is not None:
            return browser.see_other(next_path or _home(found[0].role))
        return self.form(request, next_path)

    async def login(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        next_path = safe_next(browser.form_field(form, "next"))
        sent = browser.form_field(form, "csrf")
        if not browser.same_token(sent, request.cookies.get(LOGIN_COOKIE, "")):
            return self.form(request, next_path, "login.expired", status=403)
        username = normalise_username(browser.form_field(form, "username"))[:64]
        client = request.remote or "unknown"
        if wait := await self.throttle.retry_after(username, client):
            minutes = math.ceil(wait / 60)
            log.warning("staff_login_throttled", retry_after=wait)  # no names: they may be e-mails
            response = self.form(request, next_path, "login.throttled", 429, username, minutes)
            response.headers["Retry-After"] = str(wait)
            return response
        user = await self.users().authenticate(username, browser.form_field(form, "password"))
        if user is None:
            await self.throttle.failed(username, client)
            log.info("staff_login_failed")
            return self.form(request, next_path, "login.failed", 401, username)
        await self.throttle.succeeded(username)
        log.info("staff_login", user_id=user.id, role=user.role.value)
        if old_token := request.cookies.get(browser.SESSION_COOKIE):
            await self.sessions.end(old_token)  # a fresh token at each login: no fixation
        token, _session = await self.sessions.create(user.id)
        response = browser.see_other(next_path or _home(user.role))
        browser.set_cookie(response, browser.SESSION_COOKIE, token, path="/", secure=self.secure)
        response.del_cookie(LOGIN_COOKIE, path=LOGIN_PATH)
        return response

    async def logout(self, request: web.Request) -> web.StreamResponse:
        if token := request.cookies.get(browser.SESSION_COOKIE):
            await self.sessions.end(token)
        response = browser.see_other(LOGIN_PATH)
        response.del_cookie(browser.SESSION_COOKIE, path="/")
        return response


def setup_auth(
    app: web.Application,
    users: UserStore | Callable[[], UserStore],
    sessions_redis: Callable[[], aioredis.Redis],
    keys: Keys,
    *,
    secure_cookies: bool,
) -> None:
    """Mount staff login on `app`: GET/POST /agent/login, POST /agent/logout, the session
    and CSRF middleware for /agent, /admin and /api, security headers on every response,
    and /static/. `secure_cookies`: the site is served over HTTPS (Secure cookies, HSTS).

    `users` is a UserStore, or a factory called once, on the first request that needs it;
    `sessions_redis` is called whenever a client is needed. The getters let create_app pass
    resources that only exist after start-up. Call it before the app starts.
    """
    get_users = functools.cache(users) if callable(users) else lambda: users
    login = _Login(get_users, sessions_redis, keys, secure_cookies)
    app.middlewares.append(
        browser.session_middleware(login.sessions, get_users, LOGIN_PATH, LOGOUT_PATH)
    )
    app.on_response_prepare.append(browser.security_headers(https=secure_cookies))
    app.router.add_get(LOGIN_PATH, login.page)
    app.router.add_post(LOGIN_PATH, login.login)
    app.router.add_post(LOGOUT_PATH, login.logout)
    setup_static(app)
