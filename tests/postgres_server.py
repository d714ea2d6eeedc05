"""A throwaway PostgreSQL server for the test session, and a fresh database for each test.

A pytest plugin: `postgres_url` (the server), `postgres_empty_url` (a new empty database) and
`postgres_db_url` (a new database migrated to head). Set SERVICEBOT_TEST_POSTGRES_URL to use an
existing server (a CI service container) instead of starting one.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.storage.migrate import upgrade
from tests.net import free_port

ENV_URL = "SERVICEBOT_TEST_POSTGRES_URL"
DEBIAN_BIN_DIRS = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"  # the OS user Debian's package creates; PostgreSQL refuses root
SUPERUSER = "postgres"
START_SECONDS = 60
INSTALL_HINT = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found under /usr/lib/postgresql/*/bin "
    "or on PATH: install them with `apt-get install postgresql`, or set "
    f"{ENV_URL}=postgresql+asyncpg://user@host:port/postgres to use a running server"
)


def _version(bin_dir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in bin_dir.parent.name.split(".") if part.isdigit())


def find_bin_dir() -> Path | None:
    """The bin dir of the newest installed PostgreSQL, else the one on PATH, else None."""
    installed = [d for d in DEBIAN_BIN_DIRS.glob("*/bin") if (d / "initdb").is_file()]
    if installed:
        return max(installed, key=_version)
    initdb = shutil.which("initdb")
    # Resolve symlinks such as /usr/local/bin/initdb: pg_ctl and postgres live beside the target.
    return Path(initdb).resolve().parent if initdb else None


def _run_as() -> list[str]:
    """Command prefix that runs a PostgreSQL program as a user it accepts."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam(SERVICE_USER)
    except KeyError:
        pytest.fail(f"running as root needs the `{SERVICE_USER}` user: {INSTALL_HINT}")
    return ["runuser", "-u", SERVICE_USER, "--"]


@dataclass
class LocalPostgres:
    """One PostgreSQL cluster in `root`, listening on 127.0.0.1 with trust auth."""

    bin_dir: Path
    root: Path
    port: int = field(default_factory=free_port)

    @property
    def data_dir(self) -> Path:
        """The cluster's data directory."""
        return self.root / "data"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the server's `postgres` database."""
        return f"postgresql+asyncpg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        """Create the cluster and start the server; returns once it accepts connections."""
        socket_dir = self.root / "socket"
        socket_dir.mkdir()
        if os.geteuid() == 0:
            for path in (self.root, socket_dir):
                shutil.chown(path, user=SERVICE_USER)
        self._initdb()
        self._pg_ctl_start(socket_dir)

    def _initdb(self) -> None:
        self._run(
            "initdb",
            f"--pgdata={self.data_dir}",
            f"--username={SUPERUSER}",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",  # byte order, like Python's sorted(); no dependence on host locales
            "--no-sync",
        )

    def _pg_ctl_start(self, socket_dir: Path) -> None:
        # Durability is pointless for a throwaway cluster and costs seconds per test run.
        options = (
            f"-p {self.port} -k {shlex.quote(str(socket_dir))} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "start",
            f"--pgdata={self.data_dir}",
            f"--log={self.root / 'server.log'}",
            "--wait",
            f"--timeout={START_SECONDS}",
            "-o",
            options,
        )

    def stop(self) -> None:
        """Stop the server if it runs (fast mode: open test connections are cut)."""
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "stop", f"--pgdata={self.data_dir}", "--mode=fast", "--wait")

    def _run(self, program: str, *args: str) -> None:
        command = [*_run_as(), str(self.bin_dir / program), *args]
        # cwd: the postgres user may not be allowed into the directory pytest runs from.
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            log = self.root / "server.log"
            server_log = log.read_text(errors="replace")[-4000:] if log.exists() else ""
            raise RuntimeError(
                f"{shlex.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n{server_log}"
            )


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a PostgreSQL server's admin database, for the whole session."""
    external = os.environ.get(ENV_URL)
    if external:
        yield external
        return
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    # Not tmp_path_factory: pytest's base temp dir is private to the current user, so the
    # postgres user could not reach a data dir inside it.
    server = LocalPostgres(bin_dir, Path(tempfile.mkdtemp(prefix="servicebot-pg-")))
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)


def _admin_url(server_url: str) -> URL:
    url = make_url(server_url)
    return url if url.database else url.set(database="postgres")


async def _execute_autocommit(url: URL, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE refuse to run inside one)."""
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture
def postgres_empty_url(postgres_url: str) -> Iterator[str]:
    """A new, empty database on the server, dropped after the test."""
    admin = _admin_url(postgres_url)
    # A generated name, never user input: safe to interpolate into DDL.
    name = f"servicebot_test_{uuid.uuid4().hex[:16]}"
    # template0 with UTF8: umlauts and emoji must survive whatever the server's default is.
    asyncio.run(
        _execute_autocommit(admin, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
    )
    yield admin.set(database=name).render_as_string(hide_password=False)
    # FORCE: a test that leaked a connection must not leave the database behind.
    asyncio.run(_execute_autocommit(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def postgres_db_url(postgres_empty_url: str) -> str:
    """A new database migrated to head (Alembic runs its own event loop, so a sync fixture)."""
    upgrade(postgres_empty_url)
    return postgres_empty_url
