"""Pacing of outgoing messages, shared by every worker through Redis: a token bucket per key
(a sending number, one customer), where each send reserves the next free slot and waits for
it. Keeps us within a messenger's rate limits instead of running into their errors."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import redis.asyncio as aioredis

# Refill the bucket for the time passed, take one token (going below zero reserves a future
# slot), and return how long the caller must wait for it. Numbers travel as strings: Redis
# would truncate Lua floats to integers.
_RESERVE = """
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate) - 1
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[4])
if tokens >= 0 then return '0' end
return tostring(-tokens / rate)
"""


class Pacer:
    """Token buckets in Redis."""

    def __init__(self, redis: aioredis.Redis, clock: Callable[[], float] = time.time) -> None:
        self._reserve = redis.register_script(_RESERVE)
        self._clock = clock

    async def reserve(self, key: str, per_second: float, burst: int) -> float:
        """Reserve one send; the seconds until it may go (0: now)."""
        ttl = int(burst / per_second) + 60  # idle buckets are full again: forget them
        wait = await self._reserve(keys=[key], args=[per_second, burst, self._clock(), ttl])
        return float(wait)

    async def wait_turn(self, key: str, per_second: float, burst: int) -> None:
        """Reserve one send and wait until it may go."""
        wait = await self.reserve(key, per_second, burst)
        if wait > 0:
            await asyncio.sleep(wait)
