"""`servicebot nlu serve`: Rasa behind a small proxy that swaps models without refusing a parse.

Rasa's own `PUT /model` loads the new model inside the serving process and blocks its event
loop for the whole load (about 15 s here), so parses queue up and time out. Instead the
gateway loads a new model in a second Rasa process, switches to it once that process answers
with the new model, lets the old process finish the parses it holds, then stops it
(blue/green). Clients only ever see RASA_URL, which speaks Rasa's HTTP API.

Under /candidates/<model file>/ the gateway speaks the same API for a model that is trained
but not live (the FAQ admin's test box), served by a CandidateSlot.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import structlog
from aiohttp import web

from nlu.candidate_slot import IDLE_SECONDS, CandidateSlot, SlotState
from nlu.rasa_backend import Backend, forward, start_backend, stop_backend, until_loaded
from nlu.trainer import current_model

log = structlog.get_logger(__name__)

POLL_SECONDS = 1.0  # how often the gateway looks for a newly trained model
CANDIDATE_PREFIX = "/candidates"
CANDIDATE_FAILED = "the candidate model would not load"
_CANDIDATE_ERRORS = {
    SlotState.LOADING: "the candidate model is loading",
    SlotState.FAILED: CANDIDATE_FAILED,
}
_MODEL_FILE = re.compile(r"nlu-[A-Za-z0-9_-]+\.tar\.gz")


class ModelGateway:
    """Serves the model named in the model directory's CURRENT pointer, and follows it."""

    def __init__(
        self,
        rasa_executable: Path,
        model_dir: Path,
        log_file: Path,
        start_timeout: float,
        candidate_idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self._rasa_executable = rasa_executable
        self._model_dir = model_dir
        self._log_file = log_file
        self._start_timeout = start_timeout
        self._http: aiohttp.ClientSession | None = None
        self.active: Backend | None = None
        self._failed: Path | None = None  # a model that would not load; retried when CURRENT moves
        self.candidate = CandidateSlot(
            rasa_executable, log_file, start_timeout, candidate_idle_seconds
        )

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
            await self.candidate.stop_if_idle()
            await asyncio.sleep(POLL_SECONDS)

    async def _swap_to(self, model: Path) -> None:
        tested = self.candidate.take(model)
        if tested is not None:  # published what was tested: that process is loaded already
            previous, self.active = self.active, tested
            log.info("nlu_model_serving", model=model.name, seconds=0, from_candidate=True)
            if previous is not None:
                await stop_backend(previous)
            return
        started = time.monotonic()
        log.info("nlu_model_loading", model=model.name)
        candidate = await start_backend(self._rasa_executable, model, self._log_file)
        assert self._http is not None
        try:
            loaded = await until_loaded(self._http, candidate, self._start_timeout)
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

    async def stop(self) -> None:
        """Stop the serving processes."""
        await self.candidate.stop()
        if self.active is not None:
            await stop_backend(self.active)
            self.active = None

    async def proxy(self, request: web.Request) -> web.Response:
        """Forward one request to the serving Rasa process."""
        backend = self.active
        if backend is None or self._http is None:
            return web.json_response({"error": "the NLU model is still loading"}, status=503)
        return await forward(self._http, backend, request, request.path_qs)

    async def candidate_proxy(self, request: web.Request) -> web.Response:
        """Forward a request under /candidates/<model>/ to a process serving that model
        (the live one if it is the same); 503 while it loads."""
        name = request.match_info["model"]
        if not _MODEL_FILE.fullmatch(name):
            return web.json_response({"error": "not a model file name"}, status=400)
        model = self._model_dir / name
        if not model.is_file():
            return web.json_response({"error": "no such model"}, status=404)
        if self._http is None:
            return web.json_response({"error": "the NLU gateway is starting"}, status=503)
        backend = self.active
        if backend is None or backend.model != model:
            state = await self.candidate.serve(model, self._http)
            if state is not SlotState.SERVING:
                return web.json_response({"error": _CANDIDATE_ERRORS[state]}, status=503)
            backend = self.candidate.backend
            assert backend is not None
        path = request.path_qs.removeprefix(f"{CANDIDATE_PREFIX}/{name}")
        return await forward(self._http, backend, request, path)


GATEWAY = web.AppKey("gateway", ModelGateway)


def create_gateway_app(gateway: ModelGateway) -> web.Application:
    """The aiohttp app that runs the gateway's model follower for its lifetime."""
    app = web.Application(client_max_size=1024 * 1024)
    app[GATEWAY] = gateway
    app.cleanup_ctx.append(_follow_models)
    app.router.add_route("*", CANDIDATE_PREFIX + "/{model}/{tail:.*}", gateway.candidate_proxy)
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
