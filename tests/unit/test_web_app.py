"""The web app as composed by create_app: health, readiness, dev-only routes, secrets."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import create_app
from bot.commands import set_telegram_webhook
from bot.devtools.telegram_standin import STANDIN_TOKEN, StandinState, create_standin_app
from bot.settings import Settings
from tests.net import free_port

Client = TestClient[web.Request, web.Application]
WEBHOOK = "https://bot.example/webhooks/telegram"


@pytest.fixture
async def dead_rasa_settings(settings: Settings) -> Settings:
    """Settings whose Rasa server does not exist."""
    return settings.model_copy(update={"rasa_url": f"http://127.0.0.1:{free_port()}"})


async def client_for(settings: Settings) -> AsyncIterator[Client]:
    """A test client on the composed app."""
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_readiness_is_503_and_names_the_nlu_when_rasa_is_down(
    dead_rasa_settings: Settings,
) -> None:
    async for client in client_for(dead_rasa_settings):
        response = await client.get("/readyz")
        assert response.status == 503
        assert await response.json() == {
            "status": "not ready",
            "redis": "ok",
            "database": "ok",
            "nlu": "unavailable",
        }
        assert (await client.get("/healthz")).status == 200


async def test_the_simulator_exists_only_in_development(dead_rasa_settings: Settings) -> None:
    async for client in client_for(dead_rasa_settings):
        assert (await client.get("/dev/simulator")).status == 200
    production = dead_rasa_settings.model_copy(update={"environment": "production"})
    async for client in client_for(production):
        assert (await client.get("/dev/simulator")).status == 404
        assert (await client.post("/dev/telegram-api/bot1:x/getMe")).status == 404


def test_production_refuses_to_start_telegram_without_a_webhook_secret(
    settings: Settings,
) -> None:
    production = settings.model_copy(
        update={
            "environment": "production",
            "telegram_token": SecretStr("123:real"),
            "telegram_secret_token": SecretStr(""),
        }
    )
    with pytest.raises(RuntimeError, match="SECRET_TOKEN"):
        create_app(production)
    without_telegram = production.model_copy(update={"telegram_token": SecretStr("")})
    create_app(without_telegram)  # a WhatsApp-only deployment needs no Telegram secret


async def test_set_webhook_registers_url_and_secret_with_telegram() -> None:
    state = StandinState()
    async with TestServer(create_standin_app(state)) as server:
        api_url = str(server.make_url("")).rstrip("/")
        await set_telegram_webhook(
            STANDIN_TOKEN, api_url, "https://bot.example/webhooks/telegram", "s3"
        )
    assert (state.webhook_url, state.webhook_secret) == (
        "https://bot.example/webhooks/telegram",
        "s3",
    )
