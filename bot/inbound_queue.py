"""The inbound Redis stream: webhooks append, workers consume in a consumer group."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import redis.asyncio as aioredis

from bot.keys import Keys
from bot.messages import InboundMessage

# Dedup and append in one step, so a crash between them can neither lose a message
# (marker set, entry missing) nor let a redelivery through twice.
_ACCEPT_SCRIPT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'message', ARGV[3])
end
return false
"""


@dataclass(frozen=True, slots=True)
class StreamEntry:
    """One message read from the stream, with the id needed to acknowledge it."""

    entry_id: str
    message: InboundMessage


class InboundQueue:
    """At-least-once delivery of inbound messages to the workers."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, dedup_ttl: int, max_length: int) -> None:
        self._redis = redis
        self._keys = keys
        self._dedup_ttl = dedup_ttl
        self._max_length = max_length
        self._accept = redis.register_script(_ACCEPT_SCRIPT)

    async def accept(self, message: InboundMessage) -> bool:
        """Append the message unless it was accepted before; False for a duplicate."""
        entry_id = await self._accept(
            keys=[
                self._keys.dedup(message.channel.value, message.message_id),
                self._keys.inbound_stream,
            ],
            args=[self._dedup_ttl, self._max_length, message.to_json()],
        )
        return entry_id is not None

    async def ensure_group(self) -> None:
        """Create the consumer group (and the stream) if they do not exist yet."""
        try:
            await self._redis.xgroup_create(
                self._keys.inbound_stream, self._keys.inbound_group, id="0", mkstream=True
            )
        except aioredis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    async def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        """New entries for this consumer, waiting up to block_ms for the first."""
        response = await self._redis.xreadgroup(
            self._keys.inbound_group,
            consumer,
            {self._keys.inbound_stream: ">"},
            count=count,
            block=block_ms,
        )
        streams = cast(list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]], response or [])
        return [entry for _stream, entries in streams for entry in _decode(entries)]

    async def claim_stale(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Entries another (crashed) consumer read but never acknowledged."""
        response = await self._redis.xautoclaim(
            self._keys.inbound_stream,
            self._keys.inbound_group,
            consumer,
            min_idle_time=min_idle_ms,
            start_id="0-0",
            count=count,
        )
        return list(_decode(response[1]))

    async def ack(self, entry_id: str) -> None:
        """Mark an entry as done for the group and forget its attempt count."""
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.xack(self._keys.inbound_stream, self._keys.inbound_group, entry_id)
            pipe.delete(self._keys.attempts(entry_id))
            await pipe.execute()

    async def delivery_attempt(self, entry_id: str, ttl: int) -> int:
        """Count one more processing attempt of an entry (for the dead-letter decision)."""
        key = self._keys.attempts(entry_id)
        attempts = int(await self._redis.incr(key))
        await self._redis.expire(key, ttl)
        return attempts

    async def dead_letter(self, entry: StreamEntry, reason: str) -> None:
        """Park an entry that keeps failing, so it is kept for a person and not retried forever."""
        await self._redis.xadd(
            self._keys.dead_letter_stream,
            {"message": entry.message.to_json(), "reason": reason, "entry_id": entry.entry_id},
        )
        await self.ack(entry.entry_id)


def _decode(entries: list[tuple[bytes, dict[bytes, bytes]]] | None) -> list[StreamEntry]:
    decoded = []
    for entry_id, fields in entries or []:
        if fields and b"message" in fields:  # xautoclaim reports deleted entries as empty
            decoded.append(
                StreamEntry(entry_id.decode(), InboundMessage.from_json(fields[b"message"]))
            )
    return decoded
