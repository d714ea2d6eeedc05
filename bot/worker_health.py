"""The worker's health endpoints, for container probes: GET /healthz (the process lives) and
GET /readyz (Redis and the database answer). Off unless SERVICEBOT_WORKER_HTTP_PORT is set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import redis.asyncio as aioredis
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import redis_factory
from bot.settings import Settings
from bot.storage.database import create_engine
from bot.web.health import healthz, readiness_handler


def create_health_app(redis: aioredis.Redis, db: AsyncEngine) -> web.Application:
    """The two probe routes over the given Redis client and database engine."""

    async def redis_ready() -> bool:
        return bool(await redis.ping())

    async def database_ready() -> bool:
        async with db.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get(
        "/readyz", readiness_handler({"redis": redis_ready, "database": database_ready})
    )
    return app


@asynccontextmanager
async def worker_health(settings: Settings) -> AsyncIterator[None]:
    """Serve the probes on HTTP_HOST:WORKER_HTTP_PORT while the block runs (port 0: nothing).
    They use connections of their own, so a probe never waits behind the worker's traffic."""
    if not settings.worker_http_port:
        yield
        return
    # The embedded server (no REDIS_URL) is the worker's own; the probes only connect to it.
    redis_url = settings.redis_url or redis_factory.EmbeddedRedis(settings.data_dir).url
    async with AsyncExitStack() as stack:
        redis = redis_factory.connect(redis_url)
        stack.push_async_callback(redis.aclose)
        db = create_engine(settings.effective_database_url)
        stack.push_async_callback(db.dispose)
        runner = web.AppRunner(create_health_app(redis, db), access_log=None)
        await runner.setup()
        stack.push_async_callback(runner.cleanup)
        await web.TCPSite(runner, settings.http_host, settings.worker_http_port).start()
        yield
