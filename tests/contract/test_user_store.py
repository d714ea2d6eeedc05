"""UserStore on SQLite and PostgreSQL: accounts, argon2id hashes, authentication."""

from __future__ import annotations

from typing import Literal

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from bot.storage.database import SessionFactory
from bot.storage.models import UserRecord
from bot.web.auth import Role, StaffUser, UserStore
from tests.conftest import SQL_FIXTURES

PASSWORD = "Schraube-M8-verzinkt"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Only the SQL databases: accounts have no in-memory adapter."""
    url: str = request.getfixturevalue(SQL_FIXTURES[request.param])
    return url


@pytest.fixture
def db(backend_sessions: SessionFactory | None) -> SessionFactory:
    """Sessions on the backend's database."""
    assert backend_sessions is not None
    return backend_sessions


class CountingHasher(PasswordHasher):
    """The real argon2id hasher, counting verifications."""

    verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> Literal[True]:
        self.verifications += 1
        return super().verify(hash, password)


async def _stored_hashes(db: SessionFactory) -> list[str]:
    async with db() as session:
        return list(await session.scalars(select(UserRecord.password_hash)))


async def test_created_user_can_be_fetched_and_authenticated(db: SessionFactory) -> None:
    users = UserStore(db)

    created = await users.create(" Anna ", "Anna Berg", PASSWORD, Role.AGENT, language="en")

    assert created == StaffUser(created.id, "anna", "Anna Berg", Role.AGENT, "en")
    assert await users.get(created.id) == created
    assert await users.authenticate("anna", PASSWORD) == created
    assert await users.authenticate("ANNA ", PASSWORD) == created  # usernames ignore case


async def test_wrong_password_and_unknown_user_are_refused(db: SessionFactory) -> None:
    users = UserStore(db)
    await users.create("anna", "Anna Berg", PASSWORD, Role.ADMIN)

    assert await users.authenticate("anna", PASSWORD + "x") is None
    assert await users.authenticate("anna", "") is None
    assert await users.authenticate("bert", PASSWORD) is None
    assert await users.get(4711) is None


async def test_an_unknown_username_costs_a_hash_verification_too(db: SessionFactory) -> None:
    hasher = CountingHasher()
    users = UserStore(db, hasher)
    await users.create("anna", "Anna Berg", PASSWORD, Role.AGENT)

    assert await users.authenticate("nobody", PASSWORD) is None
    assert hasher.verifications == 1
    assert await users.authenticate("anna", "wrong password") is None
    assert hasher.verifications == 2


async def test_a_username_is_taken_only_once(db: SessionFactory) -> None:
    users = UserStore(db)
    await users.create("anna", "Anna Berg", PASSWORD, Role.AGENT)

    with pytest.raises(ValueError, match="already taken"):
        await users.create("Anna", "Another Anna", PASSWORD + "2", Role.ADMIN)
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(UserRecord)) == 1
    assert await users.authenticate("anna", PASSWORD + "2") is None


async def test_passwords_need_ten_characters(db: SessionFactory) -> None:
    users = UserStore(db)

    with pytest.raises(ValueError, match="at least 10 characters"):
        await users.create("anna", "Anna Berg", "123456789", Role.AGENT)
    assert await _stored_hashes(db) == []
    assert (await users.create("anna", "Anna Berg", "1234567890", Role.AGENT)).username == "anna"


@pytest.mark.parametrize(
    ("username", "role", "language", "complaint"),
    [
        ("", Role.AGENT, "de", "a username is"),
        ("anna berg", Role.AGENT, "de", "a username is"),
        ("anna", "boss", "de", "is not a valid Role"),
        ("anna", Role.AGENT, "fr", "language must be one of de, en"),
    ],
)
async def test_malformed_accounts_are_refused(
    db: SessionFactory, username: str, role: Role, language: str, complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        await UserStore(db).create(username, "", PASSWORD, role, language)
    assert await _stored_hashes(db) == []


async def test_the_password_is_stored_as_an_argon2id_hash(db: SessionFactory) -> None:
    await UserStore(db).create("anna", "Anna Berg", PASSWORD, Role.EDITOR)

    [stored] = await _stored_hashes(db)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


async def test_a_hash_with_outdated_parameters_is_replaced_at_login(db: SessionFactory) -> None:
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    created = await UserStore(db, weak).create("anna", "Anna Berg", PASSWORD, Role.AGENT)
    [old] = await _stored_hashes(db)
    current = PasswordHasher()
    assert current.check_needs_rehash(old)

    assert await UserStore(db, current).authenticate("anna", PASSWORD) == created

    [new] = await _stored_hashes(db)
    assert new != old
    assert not current.check_needs_rehash(new)
    assert current.verify(new, PASSWORD)
