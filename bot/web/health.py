"""GET /healthz (the process lives) and GET /readyz (its dependencies answer)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

Check = Callable[[], Awaitable[bool]]
Handler = Callable[[web.Request], Awaitable[web.Response]]


async def healthz(_request: web.Request) -> web.Response:
    """Liveness: answers as long as the event loop runs."""
    return web.json_response({"status": "ok"})


def readiness_handler(checks: Mapping[str, Check], timeout: float = 3.0) -> Handler:
    """Readiness: every dependency answers within the timeout, else 503 naming the culprit."""

    async def readyz(_request: web.Request) -> web.Response:
        async def run(check: Check) -> bool:
            try:
                return await asyncio.wait_for(check(), timeout)
            except Exception:
                return False

        results = await asyncio.gather(*(run(check) for check in checks.values()))
        report = {
            name: "ok" if ok else "unavailable" for name, ok in zip(checks, results, strict=True)
        }
        status = 200 if all(results) else 503
        return web.json_response(
            {"status": "ready" if status == 200 else "not ready", **report}, status=status
        )

    return readyz
