"""WhatsApp's customer service window: free-form messages may go to a customer within 24
hours of their last message; after that only an approved template. The webhook notes each
customer message here; the sender and the console read it."""

from __future__ import annotations

import time
from collections.abc import Callable

import redis.asyncio as aioredis

from bot.keys import Keys
from bot.messages import WHATSAPP_REPLY_WINDOW

WINDOW_SECONDS = int(WHATSAPP_REPLY_WINDOW.total_seconds())
# Move the window only forward (a redelivered old message must not shorten it), and let the
# key vanish when the window closes.
_OPENED = """
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = tonumber(ARGV[1])
if at > current then
  redis.call('SET', KEYS[1], ARGV[1], 'EXAT', math.floor(at + tonumber(ARGV[2])))
end
return 1
"""


class CustomerWindow:
    """The last customer message per WhatsApp user, in Redis."""

    def __init__(
        self, redis: aioredis.Redis, keys: Keys, clock: Callable[[], float] = time.time
    ) -> None:
        self._redis = redis
        self._keys = keys
        self._clock = clock
        self._opened = redis.register_script(_OPENED)

    async def opened(self, wa_id: str, at: float) -> None:
        """The customer wrote at `at` (epoch seconds, Meta's timestamp)."""
        if at + WINDOW_SECONDS > self._clock():
            await self._opened(keys=[self._keys.whatsapp_window(wa_id)], args=[at, WINDOW_SECONDS])

    async def close(self, wa_id: str) -> None:
        """Meta says the window has closed: believe it until the customer writes again."""
        await self._redis.delete(self._keys.whatsapp_window(wa_id))

    async def closes_at(self, wa_id: str) -> float | None:
        """When free-form messages stop being allowed (None: closed already)."""
        last = await self._redis.get(self._keys.whatsapp_window(wa_id))
        if last is None:
            return None
        closes = float(last) + WINDOW_SECONDS
        return closes if closes > self._clock() else None

    async def is_open(self, wa_id: str) -> bool:
        """A free-form message may go now."""
        return await self.closes_at(wa_id) is not None
