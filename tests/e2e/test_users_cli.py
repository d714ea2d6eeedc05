"""`servicebot users create` from the outside: a real process on a migrated database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.database import create_engine, session_factory
from bot.web.auth import Role, StaffUser, UserStore

pytestmark = pytest.mark.e2e
PASSWORD = "Schraube-M8-verzinkt"


def users_create(
    database_url: str, data_dir: Path, password: str, *args: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot users create ARGS` with the password in the environment."""
    env = {
        **os.environ,
        "SERVICEBOT_DATABASE_URL": database_url,
        "SERVICEBOT_DATA_DIR": str(data_dir),
        "SERVICEBOT_NEW_USER_PASSWORD": password,
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "users", "create", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def authenticate(database_url: str, username: str, password: str) -> StaffUser | None:
    """Log in against the database as the web app would."""
    engine = create_engine(database_url)
    try:
        return await UserStore(session_factory(engine)).authenticate(username, password)
    finally:
        await engine.dispose()


async def test_users_create_makes_an_account_that_can_log_in(
    database_url: str, tmp_path: Path
) -> None:
    args = ("--username", "Anna", "--role", "agent", "--display-name", "Anna Berg")

    result = users_create(database_url, tmp_path, PASSWORD, *args, "--language", "en")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "Created agent anna."
    user = await authenticate(database_url, "anna", PASSWORD)
    assert user is not None
    assert (user.username, user.display_name, user.role, user.language) == (
        "anna",
        "Anna Berg",
        Role.AGENT,
        "en",
    )
    assert await authenticate(database_url, "anna", PASSWORD + "!") is None


async def test_users_create_refuses_a_duplicate_and_a_short_password(
    database_url: str, tmp_path: Path
) -> None:
    first = users_create(database_url, tmp_path, PASSWORD, "--username", "ada", "--role", "admin")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "Created admin ada."

    again = users_create(
        database_url, tmp_path, "another-password", "--username", "ADA", "--role", "agent"
    )
    short = users_create(database_url, tmp_path, "kurz", "--username", "bert", "--role", "editor")

    assert again.returncode == 1
    assert "No user created: the username 'ada' is already taken." in again.stdout
    assert short.returncode == 1
    assert "at least 10 characters" in short.stdout
    for result in (again, short):
        assert "Traceback" not in result.stdout + result.stderr
    assert await authenticate(database_url, "ada", PASSWORD) is not None
    assert await authenticate(database_url, "ada", "another-password") is None
    assert await authenticate(database_url, "bert", "kurz") is None


def test_users_create_accepts_only_known_roles(database_url: str, tmp_path: Path) -> None:
    result = users_create(database_url, tmp_path, PASSWORD, "--username", "cleo", "--role", "boss")

    assert result.returncode == 2
    assert "agent" in result.stderr
    assert "admin" in result.stderr


async def test_users_create_records_the_customers_languages_an_agent_serves(
    database_url: str, tmp_path: Path
) -> None:
    made = users_create(
        database_url, tmp_path, PASSWORD, "--username", "emma", "--role", "agent", "--serves", "en"
    )
    assert made.returncode == 0, made.stderr
    user = await authenticate(database_url, "emma", PASSWORD)
    assert user is not None
    assert user.serves == {"en"}
    refused = users_create(
        database_url, tmp_path, PASSWORD, "--username", "finn", "--role", "agent", "--serves", "fr"
    )
    assert refused.returncode == 1
    assert "No user created" in refused.stdout
