"""Short-lived facts about a conversation that shape the next reply (Redis, with a TTL)."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.keys import Keys


class DialogueMemory:
    """How many messages in a row the bot did not understand.

    Keyed by message id as well, so that handling the same message again after a crash sees
    the same count as the first time and composes the same replies (never a second one)."""

    def __init__(self, redis: aioredis.Redis, keys: Keys, ttl_seconds: int) -> None:
        self._redis = redis
        self._keys = keys
        self._ttl = ttl_seconds

    async def misses_before(self, conversation_key: str, message_id: str) -> int:
        """Consecutive misses before this message."""
        stored = await self._redis.hmget(
            self._keys.dialogue(conversation_key), ["message", "before", "misses"]
        )
        last, before, misses = (
            value.decode() if isinstance(value, bytes) else value for value in stored
        )
        if last == message_id:
            return int(before or 0)
        return int(misses or 0)

    async def record(
        self, conversation_key: str, message_id: str, before: int, understood: bool
    ) -> None:
        """Remember whether this message was understood (`before`: from misses_before)."""
        key = self._keys.dialogue(conversation_key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(
                key,
                mapping={
                    "message": message_id,
                    "before": before,
                    "misses": 0 if understood else before + 1,
                },
            )
            pipe.expire(key, self._ttl)
            await pipe.execute()
