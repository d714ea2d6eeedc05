"""The order-verification state of a conversation in Redis, with a TTL: verification lasts
for the conversation (an hour without messages ends it), not forever."""

from __future__ import annotations

import json
from dataclasses import asdict

import redis.asyncio as aioredis

from bot.keys import Keys
from orders.verification import LOCK_SECONDS, Awaiting, VerificationState


class RedisVerificationMemory:
    """VerificationMemory for one message of one conversation."""

    def __init__(
        self,
        redis: aioredis.Redis,
        keys: Keys,
        conversation_key: str,
        message_id: str,
        ttl_seconds: int,
    ) -> None:
        self._redis = redis
        self._key = keys.verification(conversation_key)
        self._message_id = message_id
        self._ttl = ttl_seconds
        self._before: VerificationState | None = None  # as the message found it
        self._current: VerificationState | None = None  # as handling it has left it so far

    async def load(self) -> VerificationState:
        """The state so far: before this message (the stored "before" if it was handled
        already), or what this message's handling saved."""
        if self._current is None:
            self._before = self._current = await self._stored()
        return self._current

    async def save(self, state: VerificationState) -> None:
        """Keep the state after this message, and the one before it for a replay. A lock
        outlives the idle TTL if need be."""
        before = self._before if self._before is not None else await self.load()
        document = {"message": self._message_id, "before": asdict(before), "after": asdict(state)}
        ttl = max(self._ttl, LOCK_SECONDS) if state.locked_until else self._ttl
        await self._redis.set(self._key, json.dumps(document), ex=ttl)
        self._current = state

    async def _stored(self) -> VerificationState:
        raw = await self._redis.get(self._key)
        if raw is None:
            return VerificationState()
        stored = json.loads(raw)
        return _state(stored["before" if stored["message"] == self._message_id else "after"])


def _state(data: dict[str, object]) -> VerificationState:
    return VerificationState(
        verified_customer=str(data["verified_customer"]),
        awaiting=Awaiting(str(data["awaiting"])),
        pending_order=str(data["pending_order"]),
        failures=int(str(data["failures"])),
        locked_until=float(str(data["locked_until"])),
    )
