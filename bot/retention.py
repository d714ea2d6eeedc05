"""The retention job: conversations whose last activity is older than the retention period
are deleted with their messages (and contacts left without any), and the Redis streams drop
entries older than that, in the worker every hour and with `servicebot privacy purge`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import redis.asyncio as aioredis
import structlog

from bot.keys import Keys
from bot.privacy import ErasedRecords

log = structlog.get_logger(__name__)


class PurgesConversations(Protocol):
    """Deletes idle conversations (bot/storage/privacy_store.py)."""

    async def purge(self, before: datetime) -> ErasedRecords:
        """Delete the conversations without activity since `before`."""
        ...


@dataclass(frozen=True, slots=True)
class Purged:
    """What one run deleted."""

    before: datetime
    conversations: int
    messages: int
    contacts: int
    stream_entries: int


class RetentionJob:
    """Deletes what is older than `days`; one worker at a time (a lease in Redis)."""

    def __init__(
        self,
        data: PurgesConversations,
        redis: aioredis.Redis,
        keys: Keys,
        days: int,
        *,
        interval_seconds: float = 3600.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._data = data
        self._redis = redis
        self._keys = keys
        self._days = days
        self._interval = interval_seconds
        self._clock = clock

    async def purge_once(self) -> Purged:
        """Delete everything older than the retention period, now."""
        before = datetime.fromtimestamp(self._clock(), UTC) - timedelta(days=self._days)
        records = await self._data.purge(before)
        trimmed = await self._trim_streams(before)
        purged = Purged(before, records.conversations, records.messages, records.contacts, trimmed)
        if records.conversations or trimmed:
            log.info(
                "retention_purged",
                conversations=purged.conversations,
                messages=purged.messages,
                contacts=purged.contacts,
                stream_entries=trimmed,
                days=self._days,
            )
        return purged

    async def run(self, stop: asyncio.Event) -> None:
        """Purge every interval until `stop` is set; of several workers only the one that
        holds the lease purges, and a failure waits for the next round."""
        lease = int(max(1.0, self._interval * 0.9))
        while not stop.is_set():
            try:
                if await self._redis.set(self._keys.retention_lease, "1", nx=True, ex=lease):
                    await self.purge_once()
            except Exception:  # the database or Redis away: the next round tries again
                log.exception("retention_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self._interval)

    async def _trim_streams(self, before: datetime) -> int:
        """Entries older than `before` leave the inbound and CRM streams and their dead
        letters (an entry id starts with its time in milliseconds)."""
        oldest = f"{int(before.timestamp() * 1000)}-0"
        crm = self._keys.crm_outbox
        streams = (
            self._keys.inbound_stream,
            self._keys.dead_letter_stream,
            crm.stream,
            crm.dead_letters,
        )
        trimmed = 0
        for stream in streams:
            trimmed += int(await self._redis.xtrim(stream, minid=oldest, approximate=False))
        return trimmed
