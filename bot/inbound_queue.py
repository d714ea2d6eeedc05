"""The inbound Redis stream: webhooks append, workers consume in a consumer group. Each
conversation's entries also wait in a backlog, so that whichever worker reads one can answer
the conversation's earlier messages first (a crashed worker's included): order is kept per
conversation however many workers there are."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis

from bot.keys import Keys
from bot.messages import InboundMessage
from bot.streams import DurableStream, RawEntry


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One message read from the stream, with the id needed to acknowledge it."""

    entry_id: str
    message: InboundMessage


class InboundQueue:
    """At-least-once delivery of inbound messages to the workers, in order per conversation."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        dedup_ttl: int,
        max_length: int,
        turn_seconds: int = 60,
    ) -> None:
        """`turn_seconds`: how long one worker may keep a conversation to itself."""
        self._redis = redis
        self._keys = keys
        self._stream = DurableStream(redis, keys.inbound, dedup_ttl, max_length)
        self._turn_seconds = turn_seconds

    async def accept(self, message: InboundMessage) -> bool:
        """Append the message unless it was accepted before; False for a duplicate."""
        dedup = self._keys.dedup(message.channel.value, message.message_id)
        backlog = self._keys.conversation_backlog(message.conversation_key)
        return await self._stream.append_once(dedup, message.to_json(), backlog)

    async def ensure_group(self) -> None:
        """Create the consumer group (and the stream) if they do not exist yet."""
        await self._stream.ensure_group()

    async def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        """New entries for this consumer, waiting up to block_ms for the first."""
        return _decode(await self._stream.read(consumer, count, block_ms))

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Entries another (crashed) consumer read but never acknowledged."""
        return _decode(await self._stream.claim_stale(consumer, min_idle_ms, count))

    @asynccontextmanager
    async def turn(self, conversation_key: str) -> AsyncIterator[None]:
        """The conversation to this worker alone (raises LockError if it cannot get it)."""
        async with self._redis.lock(
            self._keys.conversation_turn(conversation_key),
            timeout=self._turn_seconds,
            blocking_timeout=self._turn_seconds,
        ):
            yield

    async def earlier(self, entry: StreamEntry) -> list[StreamEntry] | None:
        """The conversation's unhandled entries that arrived before this one, oldest first;
        None when this one was handled already (by a worker that got to it first)."""
        backlog_key = self._keys.conversation_backlog(entry.message.conversation_key)
        listed = cast(list[bytes], await self._redis.lrange(backlog_key, 0, -1))
        backlog = [item.decode() for item in listed]
        if entry.entry_id not in backlog:
            # Handled and acknowledged, or accepted before backlogs existed (still pending).
            return [] if await self._stream.is_pending(entry.entry_id) else None
        found = []
        for entry_id in backlog[: backlog.index(entry.entry_id)]:
            raw = await self._stream.entry(entry_id)
            if raw is None:  # trimmed from the stream: nothing left to answer
                await self._redis.lrem(backlog_key, 1, entry_id)
            else:
                found.extend(_decode([raw]))
        return found

    async def ack(self, entry: StreamEntry) -> None:
        """Mark an entry as done for the group and forget its attempt count and its place."""
        backlog = self._keys.conversation_backlog(entry.message.conversation_key)
        await self._stream.ack(entry.entry_id, backlog)

    async def delivery_attempt(self, entry_id: str, ttl: int) -> int:
        """Count one more processing attempt of an entry (for the dead-letter decision)."""
        return await self._stream.delivery_attempt(entry_id, ttl)

    async def dead_letter(self, entry: StreamEntry, reason: str) -> None:
        """Park an entry that keeps failing, so it is kept for a person and not retried forever."""
        raw = RawEntry(entry.entry_id, entry.message.to_json().encode())
        backlog = self._keys.conversation_backlog(entry.message.conversation_key)
        await self._stream.dead_letter(raw, reason, backlog)


def _decode(entries: list[RawEntry]) -> list[StreamEntry]:
    return [StreamEntry(e.entry_id, InboundMessage.from_json(e.body)) for e in entries]
