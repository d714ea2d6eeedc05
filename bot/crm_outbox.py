"""The CRM outbox on Redis: handoff events wait here for the CRM dispatcher."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.keys import Keys
from bot.streams import DurableStream
from crm_bridge.crm import CrmEvent


class RedisCrmOutbox:
    """CrmOutbox as a durable stream (each event key appended once)."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, dedup_ttl: int, max_length: int):
        self._keys = keys
        self.stream_names = keys.crm_outbox
        self.stream = DurableStream(redis, self.stream_names, dedup_ttl, max_length)

    async def publish(self, event: CrmEvent) -> None:
        """Append the event unless its key was published before."""
        await self.stream.append_once(self._keys.dedup("crm", event.key), event.to_json())
