"""`servicebot nlu serve`: Rasa behind a small proxy that swaps models without refusing a parse.

Rasa's own `PUT /model` loads the new model inside the serving process and blocks its event
loop for the whole load (about 15 s here), so parses queue up and time out. Instead the
gateway loads a new model in a second Rasa process, switches to it once that process answers
with the new model, lets the old process finish the parses it holds, then stops it
(blue/green). Clients only ever see RASA_URL, which speaks Rasa's HTTP API.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from aiohttp import web

from nlu.server import serve_command
from nlu.trainer import current_model, rasa_environment

log = structlog.get_logger(__name__)

POLL_SECONDS = 1.0  # how often the gateway looks for a newly trained model
DRAIN_SECONDS = 30.0  # longest wait for the old process's parses before stopping it
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


class ModelGateway:
    """Serves the model named in the model directory's CURRENT pointer, and follows it."""

    def __init__(
        self,
        rasa_executable: Path,
        model_dir: Path,
        log_file: Path,
        start_timeout: float,
    ) -> None:
        self._rasa_executable = rasa_executable
        self._model_dir = model_dir
        self._log_file = log_file
        self._start_timeout = start_timeout
        self._http: aiohttp.ClientSession | None = None
        self.active: Backend | None = None
        self._failed: Path | None = None  # a model that would not load; retried when CURRENT moves

    @property
    def failed(self) -> Path | None:
        """The newest model that would not load (the previous one stays in service)."""
        return self._failed

    async def follow(self, http: aiohttp.ClientSession) -> None:
        """Keep the current model served: start it, swap to newer ones, restart after crashes."""
        self._http = http
        while True:
            wanted = current_model(self._model_dir)
            if self.active is not None and not self.active.alive:
                log.error("nlu_backend_exited", model=self.active.model.name)
                self.active, self._failed = None, None
            serving = self.active.model if self.active else None
            if wanted is not None and wanted not in (serving, self._failed):
                await self._swap_to(wanted)
            await asyncio.sleep(POLL_SECONDS)

    async def _swap_to(self, model: Path) -> None:
        started = time.monotonic()
        log.info("nlu_model_loading", model=model.name)
        candidate = await start_backend(self._rasa_executable, model, self._log_file)
        try:
            loaded = await self._loaded(candidate, started)
        except asyncio.CancelledError:
            await stop_backend(candidate)
            raise
        if not loaded:
            log.error("nlu_model_failed_to_load", model=model.name, log=str(self._log_file))
            self._failed = model
            await stop_backend(candidate)
            return
        previous, self.active = self.active, candidate
        log.info("nlu_model_serving", model=model.name, seconds=round(time.monotonic() - started))
        if previous is not None:
            await stop_backend(previous)

    async def _loaded(self, candidate: Backend, started: float) -> bool:
        assert self._http is not None
        while not await serves_model(self._http, candidate):
            if not candidate.alive or time.monotonic() - started > self._start_timeout:
                return False
            await asyncio.sleep(0.5)
        return True

    async def stop(self) -> None:
        """Stop the serving process."""
        if self.active is not None:
            await stop_backend(self.active)
            self.active = None

    async def proxy(self, request: web.Request) -> web.Response:
        """Forward one request to the serving Rasa process."""
        backend = self.active
        if backend is None or self._http is None:
            return web.json_response({"error": "the NLU model is still loading"}, status=503)
        headers = {k: v for k in _FORWARDED_HEADERS if (v := request.headers.get(k)) is not None}
        backend.begin()
        try:
            async with self._http.request(
                request.method,
                f"{backend.url}{request.path_qs}",
                data=await request.read(),
                headers=headers,
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


GATEWAY = web.AppKey("gateway", ModelGateway)


def create_gateway_app(gateway: ModelGateway) -> web.Application:
    """The aiohttp app that runs the gateway's model follower for its lifetime."""
    app = web.Application(client_max_size=1024 * 1024)
    app[GATEWAY] = gateway
    app.cleanup_ctx.append(_follow_models)
    app.router.add_route("*", "/{tail:.*}", gateway.proxy)
    return app


async def _follow_models(app: web.Application) -> AsyncIterator[None]:
    gateway = app[GATEWAY]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        task = asyncio.create_task(gateway.follow(http))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await gateway.stop()
