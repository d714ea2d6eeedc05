"""The sender port (one adapter per channel) and delivery with retries."""

from __future__ import annotations

import asyncio
import random
from typing import Protocol

from bot.errors import DeliveryError
from bot.messages import Reply


class ReplySender(Protocol):
    """Puts replies into a messenger (the agent console needs no more than this)."""

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Deliver one reply; returns the channel's message id. Raises DeliveryError."""
        ...


class Sender(ReplySender, Protocol):
    """What the bot needs of a messenger; adapters in bot/channels."""

    async def acknowledge_button(self, callback_id: str) -> None:
        """Tell the messenger a button press was received (stops the client's spinner)."""
        ...


async def deliver_with_retry(
    sender: ReplySender, chat_id: str, reply: Reply, attempts: int = 4, base_delay: float = 0.5
) -> str:
    """Send, retrying transient failures with backoff and jitter; honour retry_after (429)."""
    for attempt in range(1, attempts + 1):
        try:
            return await sender.send(chat_id, reply)
        except DeliveryError as exc:
            if exc.permanent or attempt == attempts:
                raise
            delay = exc.retry_after or base_delay * 2 ** (attempt - 1)
            await asyncio.sleep(delay + random.uniform(0, base_delay))  # noqa: S311 (jitter)
    raise AssertionError("unreachable")
