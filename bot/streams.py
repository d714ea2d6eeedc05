"""A durable Redis stream read by a consumer group: producers append once (deduplicated),
consumers read, acknowledge after the work is done, take over what a crashed consumer left,
and park what keeps failing in a dead-letter stream. The inbound messages and the CRM
outbox are both such streams."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis
import structlog
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = structlog.get_logger(__name__)
# What a Redis restart or failover looks like to a client (loading the AOF included).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)

# Dedup and append in one step, so a crash between them can neither lose an entry (marker
# set, entry missing) nor let a repeated one through twice. With a third key, the entry's id
# also joins that backlog (the open entries of one conversation, in arrival order).
_ACCEPT_SCRIPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  local id = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'message', ARGV[3])
  if #KEYS > 2 then
    redis.call('RPUSH', KEYS[3], id)
    redis.call('EXPIRE', KEYS[3], ARGV[1])
  end
  return id
end
return false
"""
Entries = list[tuple[bytes, dict[bytes, bytes]]]


@dataclass(frozen=True, slots=True)
class RawEntry:
    """One entry as read, with the id needed to acknowledge it."""

    entry_id: str
    body: bytes


@dataclass(frozen=True, slots=True)
class StreamNames:
    """Where a durable stream lives in Redis (names from bot/keys.py)."""

    stream: str
    group: str
    dead_letters: str
    attempts_prefix: str  # + entry id: how often the entry was tried


class DurableStream:
    """At-least-once delivery of JSON bodies between processes."""

    def __init__(
        self, redis: aioredis.Redis, names: StreamNames, dedup_ttl: int, max_length: int
    ) -> None:
        self._redis = redis
        self._names = names
        self._dedup_ttl = dedup_ttl
        self._max_length = max_length
        self._accept = redis.register_script(_ACCEPT_SCRIPT)

    async def append_once(self, dedup_key: str, body: str, backlog: str | None = None) -> bool:
        """Append unless an entry with this dedup key was appended before; `backlog` names
        the list that keeps the entry's place in its conversation."""
        keys = [dedup_key, self._names.stream, *([backlog] if backlog else [])]
        entry_id = await self._accept(keys=keys, args=[self._dedup_ttl, self._max_length, body])
        return entry_id is not None

    async def entry(self, entry_id: str) -> RawEntry | None:
        """One entry by its id (None once trimmed away)."""
        found = _raw(
            cast(Entries, await self._redis.xrange(self._names.stream, entry_id, entry_id))
        )
        return found[0] if found else None

    async def is_pending(self, entry_id: str) -> bool:
        """Read by some consumer and not acknowledged yet."""
        pending = await self._redis.xpending_range(
            self._names.stream, self._names.group, min=entry_id, max=entry_id, count=1
        )
        return bool(pending)

    async def ensure_group(self) -> None:
        """Create the consumer group (and the stream) if they do not exist yet."""
        try:
            await self._redis.xgroup_create(
                self._names.stream, self._names.group, id="0", mkstream=True
            )
        except aioredis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(self, consumer: str, count: int, block_ms: int) -> list[RawEntry]:
        """New entries for this consumer, waiting up to block_ms for the first."""
        response = await self._redis.xreadgroup(
            self._names.group, consumer, {self._names.stream: ">"}, count=count, block=block_ms
        )
        streams = cast(list[tuple[bytes, Entries]], response or [])
        return [entry for _stream, entries in streams for entry in _raw(entries)]

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[RawEntry]:
        """Entries another (crashed) consumer read but never acknowledged."""
        response = await self._redis.xautoclaim(
            self._names.stream,
            self._names.group,
            consumer,
            min_idle_time=min_idle_ms,
            start_id="0-0",
            count=count,
        )
        return _raw(response[1])

    async def ack(self, entry_id: str, backlog: str | None = None) -> None:
        """Mark an entry as done for the group, forget its attempt count and (in the same
        transaction) its place in the backlog."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(self._names.stream, self._names.group, entry_id)
            pipe.delete(self._names.attempts_prefix + entry_id)
            if backlog:
                pipe.lrem(backlog, 1, entry_id)
            await pipe.execute()

    async def delivery_attempt(self, entry_id: str, ttl: int) -> int:
        """Count one more processing attempt of an entry (for the dead-letter decision)."""
        key = self._names.attempts_prefix + entry_id
        attempts = int(await self._redis.incr(key))
        await self._redis.expire(key, ttl)
        return attempts

    async def dead_letter(self, entry: RawEntry, reason: str, backlog: str | None = None) -> None:
        """Park an entry that keeps failing: kept for a person, not retried forever."""
        await self._redis.xadd(
            self._names.dead_letters,
            {"message": entry.body, "reason": reason, "entry_id": entry.entry_id},
        )
        await self.ack(entry.entry_id, backlog)


class RedisOutage:
    """Backoff for a consumer loop while Redis is away: waits grow to a few seconds, and
    the outage is logged once when it starts and once when it ends."""

    def __init__(self, first_wait: float = 0.2, longest_wait: float = 5.0) -> None:
        self._first_wait = first_wait
        self._longest_wait = longest_wait
        self._rounds = 0

    async def pause(self, error: Exception, stop: asyncio.Event) -> None:
        """Wait before the next try (returns early when `stop` is set)."""
        if self._rounds == 0:
            log.warning("redis_unreachable", reason=error.__class__.__name__)
        wait = min(self._longest_wait, self._first_wait * 2**self._rounds)
        self._rounds += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), wait)

    def over(self) -> None:
        """Redis answered again."""
        if self._rounds:
            log.info("redis_reachable_again", failed_rounds=self._rounds)
        self._rounds = 0


def _raw(entries: Entries | None) -> list[RawEntry]:
    # xautoclaim reports deleted entries as empty
    return [
        RawEntry(entry_id.decode(), fields[b"message"])
        for entry_id, fields in entries or []
        if fields and b"message" in fields
    ]
