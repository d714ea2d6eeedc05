"""The composed web app on a real port with the demo FAQ and one account per role, for the
FAQ admin's API and pages. No NLU server answers (the test box says so) and no Rasa is
installed where these settings look, so a publication fails fast instead of training."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.app import create_app
from bot.commands import seed_demo
from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from bot.web.auth import Role, UserStore
from tests.net import free_port, serve

PASSWORD = "Schraube-M8-verzinkt"
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')
ACCOUNTS = {"agent": Role.AGENT, "editor": Role.EDITOR, "admin": Role.ADMIN}


@dataclass
class Staff:
    """A logged-in browser session: its cookies live in `http`, its CSRF token in `csrf`."""

    http: aiohttp.ClientSession
    csrf: str
    cookie: str

    def headers(self) -> dict[str, str]:
        """What a script sends with a POST or PUT."""
        return {"X-CSRF-Token": self.csrf}


@dataclass
class AdminSite:
    """The running app and a way to log in."""

    base_url: str
    settings: Settings

    async def login(self, username: str) -> Staff:
        """Log in through the form, as a browser does; the session's CSRF from /api/me."""
        http = aiohttp.ClientSession(
            base_url=self.base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)
        )
        page = await http.get("/agent/login")
        match = CSRF_FIELD.search(await page.text())
        assert match is not None
        form = {"username": username, "password": PASSWORD, "csrf": match[1], "next": ""}
        async with http.post("/agent/login", data=form, allow_redirects=False) as response:
            assert response.status == 303, await response.text()
        async with http.get("/api/me") as response:
            me = await response.json()
        cookie = http.cookie_jar.filter_cookies(http._base_url)["sb_session"].value  # type: ignore[arg-type]
        return Staff(http, str(me["csrf"]), cookie)


@pytest.fixture
def nlu_url() -> str:
    """Where the app looks for the NLU server: nothing answers there (a module may override
    this with a stand-in)."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture
async def site(settings: Settings, tmp_path: Path, nlu_url: str) -> AsyncIterator[AdminSite]:
    """The app with the demo company, an agent, an editor and an admin."""
    settings = settings.model_copy(
        update={
            "rasa_url": nlu_url,
            "rasa_venv": tmp_path / "no-rasa",
            "model_dir": tmp_path / "models",
        }
    )
    await seed_demo(settings)
    engine = create_engine(settings.effective_database_url)
    users = UserStore(session_factory(engine))
    for name, role in ACCOUNTS.items():
        await users.create(name, name.title(), PASSWORD, role)
    await engine.dispose()
    async with serve(create_app(settings)) as base_url:
        yield AdminSite(base_url, settings)


@pytest.fixture
async def staff(site: AdminSite) -> AsyncIterator[dict[str, Staff]]:
    """A logged-in session per role."""
    sessions = {name: await site.login(name) for name in ACCOUNTS}
    yield sessions
    for member in sessions.values():
        await member.http.close()
