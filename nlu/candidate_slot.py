"""A second Rasa process for a model that is trained but not live: the FAQ admin's test box
asks it which entry would answer once the drafts are published. It starts when someone
tests against a candidate, and stops after it has been idle a while so that a small server
does not keep two models in memory for nothing."""

from __future__ import annotations

import asyncio
import contextlib
import time
from enum import StrEnum
from pathlib import Path

import aiohttp
import structlog

from nlu.rasa_backend import Backend, start_backend, stop_backend, until_loaded

log = structlog.get_logger(__name__)

IDLE_SECONDS = 600.0  # a test session's pauses are shorter; a forgotten one frees its memory


class SlotState(StrEnum):
    """What the slot can do for a candidate model right now."""

    SERVING = "serving"
    LOADING = "loading"
    FAILED = "failed"


class CandidateSlot:
    """At most one candidate model served at a time; a newer candidate replaces it."""

    def __init__(
        self,
        rasa_executable: Path,
        log_file: Path,
        start_timeout: float,
        idle_seconds: float = IDLE_SECONDS,
    ) -> None:
        self._rasa_executable = rasa_executable
        self._log_file = log_file
        self._start_timeout = start_timeout
        self._idle_seconds = idle_seconds
        self.backend: Backend | None = None
        self._loading: tuple[Path, asyncio.Task[None]] | None = None
        self._failed: set[Path] = set()
        self._used_at = 0.0

    async def serve(self, model: Path, http: aiohttp.ClientSession) -> SlotState:
        """Whether `model` can answer now; starts loading it (replacing another) if not."""
        self._used_at = time.monotonic()
        backend = self.backend
        if backend is not None and backend.model == model and backend.alive:
            return SlotState.SERVING
        if model in self._failed:
            return SlotState.FAILED
        if self._loading is None or self._loading[0] != model:
            await self._cancel_loading()
            self._loading = (model, asyncio.create_task(self._load(model, http)))
        return SlotState.LOADING

    async def _load(self, model: Path, http: aiohttp.ClientSession) -> None:
        log.info("nlu_candidate_loading", model=model.name)
        backend = await start_backend(self._rasa_executable, model, self._log_file)
        try:
            loaded = await until_loaded(http, backend, self._start_timeout)
        except asyncio.CancelledError:
            await stop_backend(backend)
            raise
        if not loaded:
            log.error("nlu_candidate_failed_to_load", model=model.name, log=str(self._log_file))
            self._failed.add(model)
            await stop_backend(backend)
            self._loading = None
            return
        previous, self.backend, self._loading = self.backend, backend, None
        log.info("nlu_candidate_serving", model=model.name)
        if previous is not None:
            await stop_backend(previous)

    async def _cancel_loading(self) -> None:
        if self._loading is not None:
            task = self._loading[1]
            self._loading = None
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def take(self, model: Path) -> Backend | None:
        """Hand over the process if it serves `model` (now published: it goes live as is)."""
        backend = self.backend
        if backend is None or backend.model != model or not backend.alive:
            return None
        self.backend = None
        return backend

    async def stop_if_idle(self) -> None:
        """Free the process once nobody has tested against it for a while."""
        if self.backend is not None and time.monotonic() - self._used_at > self._idle_seconds:
            log.info("nlu_candidate_stopped_idle", model=self.backend.model.name)
            await self.stop()

    async def stop(self) -> None:
        """Stop the candidate's process and any load in progress."""
        await self._cancel_loading()
        if self.backend is not None:
            backend, self.backend = self.backend, None
            await stop_backend(backend)
