"""The worker's probe server: a real aiohttp server over real Redis and a real database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from bot.redis_factory import EmbeddedRedis
from bot.settings import Settings
from bot.worker_health import worker_health
from tests.net import free_port


async def _get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.json()


def _probe_settings(settings: Settings, **changes: object) -> tuple[Settings, str]:
    port = free_port()
    probed = settings.model_copy(update={"worker_http_port": port, **changes})
    return probed, f"http://127.0.0.1:{port}"


async def test_probes_answer_200_while_redis_and_database_answer(settings: Settings) -> None:
    probed, base = _probe_settings(settings)
    async with worker_health(probed):
        assert await _get(f"{base}/healthz") == (200, {"status": "ok"})
        assert await _get(f"{base}/readyz") == (
            200,
            {"status": "ready", "redis": "ok", "database": "ok"},
        )


async def test_readiness_is_503_naming_redis_once_redis_goes_down(
    settings: Settings, tmp_path: Path
) -> None:
    server = EmbeddedRedis(tmp_path / "own-redis")
    server.start()
    try:
        probed, base = _probe_settings(settings, redis_url=server.url)
        async with worker_health(probed):
            assert (await _get(f"{base}/readyz"))[0] == 200
            server.stop()
            assert await _get(f"{base}/readyz") == (
                503,
                {"status": "not ready", "redis": "unavailable", "database": "ok"},
            )
            assert (await _get(f"{base}/healthz"))[0] == 200  # alive all the same
    finally:
        server.stop()


async def test_readiness_is_503_naming_the_database_when_it_is_unreachable(
    settings: Settings,
) -> None:
    nobody = f"postgresql+asyncpg://bot:pw@127.0.0.1:{free_port()}/servicebot"
    probed, base = _probe_settings(settings, database_url=nobody)
    async with worker_health(probed):
        assert await _get(f"{base}/readyz") == (
            503,
            {"status": "not ready", "redis": "ok", "database": "unavailable"},
        )


async def test_port_zero_opens_nothing(settings: Settings) -> None:
    assert Settings(_env_file=None).worker_http_port == 0  # type: ignore[call-arg]
    # No engine is even made: this URL's dialect does not exist.
    off = settings.model_copy(update={"worker_http_port": 0, "database_url": "nonsense://x"})
    async with worker_health(off):
        pass
