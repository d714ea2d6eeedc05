"""The inbound Redis stream: webhooks append, workers consume in a consumer group."""

from __future__ import annotations

from dataclasses import dataclass

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
    """At-least-once delivery of inbound messages to the workers."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, dedup_ttl: int, max_length: int) -> None:
        self._keys = keys
        self._stream = DurableStream(redis, keys.inbound, dedup_ttl, max_length)

    async def accept(self, message: InboundMessage) -> bool:
        """Append the message unless it was accepted before; False for a duplicate."""
        dedup = self._keys.dedup(message.channel.value, message.message_id)
        return await self._stream.append_once(dedup, message.to_json())

    async def ensure_group(self) -> None:
        """Create the consumer group (and the stream) if they do not exist yet."""
        await self._stream.ensure_group()

    async def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        """New entries for this consumer, waiting up to block_ms for the first."""
        return _decode(await self._stream.read(consumer, count, block_ms))

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Entries another (crashed) consumer read but never acknowledged."""
        return _decode(await self._stream.claim_stale(consumer, min_idle_ms, count))

    async def ack(self, entry_id: str) -> None:
        """Mark an entry as done for the group and forget its attempt count."""
        await self._stream.ack(entry_id)

    async def delivery_attempt(self, entry_id: str, ttl: int) -> int:
        """Count one more processing attempt of an entry (for the dead-letter decision)."""
        return await self._stream.delivery_attempt(entry_id, ttl)

    async def dead_letter(self, entry: StreamEntry, reason: str) -> None:
        """Park an entry that keeps failing, so it is kept for a person and not retried forever."""
        raw = RawEntry(entry.entry_id, entry.message.to_json().encode())
        await self._stream.dead_letter(raw, reason)


def _decode(entries: list[RawEntry]) -> list[StreamEntry]:
    return [StreamEntry(e.entry_id, InboundMessage.from_json(e.body)) for e in entries]
