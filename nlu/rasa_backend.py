"""One Rasa process serving one model on an internal port, as the NLU gateway runs them:
start, wait until it serves its model, forward requests to it, drain and stop."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from nlu.server import serve_command
from nlu.trainer import rasa_environment

log = structlog.get_logger(__name__)

DRAIN_SECONDS = 30.0  # longest wait for a process's parses before stopping it
STOP_SECONDS = 20.0
_FORWARDED_HEADERS = ("Content-Type", "Accept", "Authorization")


@dataclass
class Backend:
    """One Rasa process serving one model on an internal port."""

    model: Path
    url: str
    process: asyncio.subprocess.Process
    in_flight: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()

    def begin(self) -> None:
        """A request is forwarded to this process."""
        self.in_flight += 1
        self.idle.clear()

    def end(self) -> None:
        """A forwarded request has its answer."""
        self.in_flight -= 1
        if not self.in_flight:
            self.idle.set()

    @property
    def alive(self) -> bool:
        """The process has not exited."""
        return self.process.returncode is None


def _free_local_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_backend(rasa_executable: Path, model: Path, log_file: Path) -> Backend:
    """Start `rasa run --enable-api` with `model` on a free local port (not yet ready)."""
    url = f"http://127.0.0.1:{_free_local_port()}"
    command = serve_command(rasa_executable, model, url, log_file)
    with log_file.open("ab") as output:
        process = await asyncio.create_subprocess_exec(
            *command, env=rasa_environment(), stdout=output, stderr=output
        )
    return Backend(model=model, url=url, process=process)


async def serves_model(http: aiohttp.ClientSession, backend: Backend) -> bool:
    """The backend answers /status with the model it was started with."""
    try:
        async with http.get(
            f"{backend.url}/status", timeout=aiohttp.ClientTimeout(total=3)
        ) as response:
            body: dict[str, Any] = await response.json() if response.status == 200 else {}
    except (TimeoutError, aiohttp.ClientError, ValueError):
        return False
    return str(body.get("model_file", "")) == backend.model.name


async def stop_backend(backend: Backend) -> None:
    """Wait for its in-flight parses (bounded), then SIGTERM, then SIGKILL."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(backend.idle.wait(), DRAIN_SECONDS)
    if backend.alive:
        backend.process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(backend.process.wait(), STOP_SECONDS)
    except TimeoutError:
        backend.process.kill()
        await backend.process.wait()


async def until_loaded(http: aiohttp.ClientSession, backend: Backend, seconds: float) -> bool:
    """Wait until the backend serves its model; False if it exits or takes too long."""
    started = time.monotonic()
    while not await serves_model(http, backend):
        if not backend.alive or time.monotonic() - started > seconds:
            return False
        await asyncio.sleep(0.5)
    return True


async def forward(
    http: aiohttp.ClientSession, backend: Backend, request: web.Request, path_qs: str
) -> web.Response:
    """Send the request on to the backend (at `path_qs`) and return its answer."""
    headers = {k: v for k in _FORWARDED_HEADERS if (v := request.headers.get(k)) is not None}
    backend.begin()
    try:
        async with http.request(
            request.method, f"{backend.url}{path_qs}", data=await request.read(), headers=headers
        ) as response:
            body = await response.read()
            return web.Response(
                status=response.status,
                body=body,
                content_type=response.content_type,
                charset=response.charset,
            )
    except (TimeoutError, aiohttp.ClientError) as exc:
        log.warning("nlu_backend_unreachable", error=exc.__class__.__name__)
        return web.json_response({"error": "the NLU server is unreachable"}, status=502)
    finally:
        backend.end()
