"""Several Rasa servers (`servicebot nlu serve` replicas) seen as one: each parse goes to the
healthy replica with the fewest parses in flight; a replica that fails is set aside and the
parse is tried on the next one; a set-aside replica gets traffic again only once its
/status answers with a model (the health check)."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import aiohttp

from bot.errors import NluUnavailableError
from nlu.ports import NluResult
from nlu.rasa_client import RasaNlu

# How long a failed replica is left alone before its health is checked again: long enough
# not to hammer a restarting server, short enough that a recovered one soon takes its share.
RECHECK_SECONDS = 2.0


@dataclass
class Replica:
    """One Rasa server, its parses in flight and, while set aside, when to check it again."""

    client: RasaNlu
    in_flight: int = 0
    down_until: float | None = None  # None: healthy

    @property
    def healthy(self) -> bool:
        """Takes parses now."""
        return self.down_until is None


class RasaReplicas:
    """The Rasa client API (parse, ready, model_name, served_model) over one or more servers."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_urls: Sequence[str],
        timeout: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not base_urls:
            raise ValueError("at least one Rasa URL is needed")
        self._replicas = [Replica(RasaNlu(session, url, timeout)) for url in base_urls]
        self._clock = clock
        self._turn = itertools.count()  # breaks ties, so equal replicas take turns
        self._checks: set[asyncio.Task[None]] = set()  # health checks under way

    @property
    def primary(self) -> RasaNlu:
        """The first configured server: it serves the FAQ admin's candidate models."""
        return self._replicas[0].client

    async def parse(self, text: str) -> NluResult:
        """Parse on the least busy healthy replica; on failure, on the next one."""
        tried: set[int] = set()
        last_error = NluUnavailableError("no Rasa replica is healthy")
        while (index := await self._choose(tried)) is not None:
            tried.add(index)
            replica = self._replicas[index]
            replica.in_flight += 1
            try:
                return await replica.client.parse(text)
            except NluUnavailableError as error:
                last_error = error
                replica.down_until = self._clock() + RECHECK_SECONDS
            finally:
                replica.in_flight -= 1
        raise last_error

    async def ready(self) -> bool:
        """At least one replica has a model loaded."""
        return any(await asyncio.gather(*(r.client.ready() for r in self._replicas)))

    async def model_name(self) -> str | None:
        """The model a parse is answered with (the first healthy replica's, asked at most
        every few seconds); the parse cache is keyed by it."""
        for replica in self._replicas:
            if replica.healthy:
                return await replica.client.model_name()
        return None

    async def served_model(self) -> str | None:
        """The model every answering replica serves, asked now; None while they differ (a
        swap is still under way on some) or none answers."""
        models = set(await asyncio.gather(*(r.client.served_model() for r in self._replicas)))
        models.discard(None)
        return models.pop() if len(models) == 1 else None

    async def _choose(self, tried: set[int]) -> int | None:
        """The index of the healthy untried replica with the fewest parses in flight; with
        none healthy, waits for the health checks under way."""
        checks = self._start_due_checks()
        candidates = self._candidates(tried)
        if not candidates and checks:
            await asyncio.gather(*checks)
            candidates = self._candidates(tried)
        if not candidates:
            return None
        turn = next(self._turn)
        size = len(self._replicas)
        return min(candidates, key=lambda i: (self._replicas[i].in_flight, (i - turn) % size))

    def _candidates(self, tried: set[int]) -> list[int]:
        return [i for i, r in enumerate(self._replicas) if r.healthy and i not in tried]

    def _start_due_checks(self) -> list[asyncio.Task[None]]:
        """Health-check, in the background, each set-aside replica whose pause is over (once
        per pause, however many parses ask); one that answers with a model takes parses
        again, the others wait another pause."""
        now = self._clock()
        for replica in self._replicas:
            if replica.down_until is not None and replica.down_until <= now:
                replica.down_until = now + RECHECK_SECONDS
                task = asyncio.create_task(self._check(replica))
                self._checks.add(task)
                task.add_done_callback(self._checks.discard)
        return list(self._checks)

    async def _check(self, replica: Replica) -> None:
        if await replica.client.served_model() is not None:
            replica.down_until = None
