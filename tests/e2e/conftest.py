"""The running stack for end-to-end tests: the real Rasa server with the trained model, real
Redis, the web app and a worker, and the Telegram Bot API stand-in, all over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import redis.asyncio as aioredis
from aiohttp import web
from pydantic import SecretStr

from bot.app import STANDIN, build_worker, create_app
from bot.commands import seed_demo
from bot.devtools.telegram_standin import STANDIN_TOKEN, StandinState, create_standin_app
from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.handoff import Handoff
from nlu.trainer import current_model
from tests.conftest import SQL_FIXTURES
from tests.net import free_port

RASA_START_SECONDS = 240


def _serves_a_model(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/status", timeout=2) as response:  # noqa: S310
            return b"model_file" in response.read()
    except OSError:
        return False


@contextlib.contextmanager
def nlu_server(model_dir: Path, data_dir: Path) -> Iterator[str]:
    """`servicebot nlu serve` (the gateway and a real Rasa) with the model current in
    `model_dir`, on a free port; yields its URL once a model answers."""
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "SERVICEBOT_RASA_URL": url,
        "SERVICEBOT_MODEL_DIR": str(model_dir),
        "SERVICEBOT_DATA_DIR": str(data_dir),
        "SERVICEBOT_LOG_JSON": "false",
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "gateway.log").open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "nlu", "serve"], env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + RASA_START_SECONDS
        while not _serves_a_model(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the NLU server did not start; see {data_dir}")
            time.sleep(0.5)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each end-to-end test runs on a migrated SQLite file and on a throwaway PostgreSQL
    database: what passes on the default must pass in production."""
    url: str = request.getfixturevalue(SQL_FIXTURES[request.param])
    return url


@pytest.fixture
def settings(settings: Settings, database_url: str) -> Settings:
    """The shared test settings on this test's database."""
    return settings.model_copy(update={"database_url": database_url})


@pytest.fixture(scope="session")
def rasa_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The NLU server as `servicebot nlu serve` runs it, with the model `make setup` trained."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert current_model(settings.model_dir) is not None, (
        "no trained model: `make test` runs `make setup`, which trains it"
    )
    with nlu_server(settings.model_dir, tmp_path_factory.mktemp("nlu")) as url:
        yield url


@dataclass
class Stack:
    """Handles on a running stack."""

    base_url: str
    settings: Settings
    standin: StandinState
    http: aiohttp.ClientSession

    async def post_update(self, update: dict[str, Any], secret: str | None = None) -> int:
        """Deliver an update to the webhook as Telegram would."""
        token = self.settings.telegram_secret_token.get_secret_value() if secret is None else secret
        async with self.http.post(
            f"{self.base_url}/webhooks/telegram",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": token},
        ) as response:
            return response.status

    async def queued_handoffs(self) -> list[Handoff]:
        """The conversations waiting for a person, as the agent console lists them."""
        db = create_engine(self.settings.effective_database_url)
        try:
            return await SqlHandoffDesk(session_factory(db)).queue()
        finally:
            await db.dispose()


async def _serve(app: web.Application, port: int, stack: contextlib.AsyncExitStack) -> None:
    runner = web.AppRunner(app)
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    await web.TCPSite(runner, "127.0.0.1", port).start()


async def _run_worker(settings: Settings, stack: contextlib.AsyncExitStack) -> None:
    stop = asyncio.Event()
    worker = await stack.enter_async_context(build_worker(settings))
    task = asyncio.create_task(worker.run(stop))

    async def finish() -> None:
        stop.set()
        await asyncio.wait_for(task, 30)

    stack.push_async_callback(finish)


@pytest.fixture
async def stack(settings: Settings, rasa_url: str, redis: aioredis.Redis) -> AsyncIterator[Stack]:
    """Production mode: the stand-in plays api.telegram.org on its own port (flushed Redis)."""
    async with production_stack(settings.model_copy(update={"rasa_url": rasa_url})) as running:
        yield running


@contextlib.asynccontextmanager
async def production_stack(settings: Settings) -> AsyncIterator[Stack]:
    """Web app, worker and the Bot API stand-in on free ports, with these settings."""
    standin = StandinState()
    web_port, api_port = free_port(), free_port()
    settings = settings.model_copy(
        update={
            "environment": "production",
            "http_port": web_port,
            "telegram_token": SecretStr(STANDIN_TOKEN),
            "telegram_api_url": f"http://127.0.0.1:{api_port}",
        }
    )
    await seed_demo(settings)
    async with contextlib.AsyncExitStack() as resources:
        await _serve(create_standin_app(standin), api_port, resources)
        await _serve(create_app(settings), web_port, resources)
        await _run_worker(settings, resources)
        http = await resources.enter_async_context(aiohttp.ClientSession())
        yield Stack(f"http://127.0.0.1:{web_port}", settings, standin, http)


@pytest.fixture
async def dev_stack(
    settings: Settings, rasa_url: str, redis: aioredis.Redis
) -> AsyncIterator[Stack]:
    """Development mode, as `make run` starts it: simulator and stand-in inside the web app."""
    web_port = free_port()
    settings = settings.model_copy(
        update={
            "environment": "development",
            "http_port": web_port,
            "rasa_url": rasa_url,
            "telegram_token": SecretStr(""),
        }
    )
    await seed_demo(settings)
    async with contextlib.AsyncExitStack() as resources:
        app = create_app(settings)
        await _serve(app, web_port, resources)
        await _run_worker(settings, resources)
        http = await resources.enter_async_context(aiohttp.ClientSession())
        yield Stack(f"http://127.0.0.1:{web_port}", settings, app[STANDIN], http)
