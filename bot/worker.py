"""The worker loop: reads the inbound stream, keeps each conversation in order, acks after
the reply was delivered."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

import structlog
from redis.exceptions import LockError, ResponseError

from bot.errors import DeliveryError
from bot.inbound_queue import InboundQueue, StreamEntry
from bot.messages import InboundMessage
from bot.streams import REDIS_DOWN, RedisOutage

log = structlog.get_logger(__name__)


class HandlesMessages(Protocol):
    """What the worker drives: the engine (or a fake in tests)."""

    async def handle(self, message: InboundMessage) -> None:
        """Answer one message."""
        ...


class Worker:
    """Many conversations at once, one message at a time within a conversation."""

    def __init__(
        self,
        queue: InboundQueue,
        engine: HandlesMessages,
        consumer: str,
        *,
        concurrency: int = 16,
        block_ms: int = 1000,
        claim_idle_ms: int = 60_000,
        max_attempts: int = 5,
    ) -> None:
        self._queue = queue
        self._engine = engine
        self._consumer = consumer
        self._slots = asyncio.Semaphore(concurrency)
        self._block_ms = block_ms
        self._claim_idle_ms = claim_idle_ms
        self._max_attempts = max_attempts
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._count = concurrency
        self._group_missing = True
        self._last_claim = 0.0

    async def run(self, stop: asyncio.Event) -> None:
        """Process until `stop` is set, then finish what is in flight. Redis going away
        (a restart, a failover) pauses the loop; what was read and not acknowledged is
        claimed again once the entries have been idle long enough."""
        log.info("worker_started", consumer=self._consumer)
        outage = RedisOutage()
        while not stop.is_set():
            try:
                await self._poll()
            except REDIS_DOWN as error:
                await outage.pause(error, stop)
                continue
            outage.over()
        await self.drain()
        log.info("worker_stopped", consumer=self._consumer)

    async def _poll(self) -> None:
        """One round: reclaim stale entries now and then, then read new ones."""
        if self._group_missing:  # first round, or Redis came back without our group
            await self._queue.ensure_group()
            self._group_missing = False
        if time.monotonic() - self._last_claim > self._claim_idle_ms / 2000:
            for entry in await self._queue.claim_stale(
                self._consumer, self._claim_idle_ms, self._count
            ):
                self._schedule(entry)
            self._last_claim = time.monotonic()
        await self._slots.acquire()  # backpressure: do not read what we cannot start
        self._slots.release()
        try:
            entries = await self._queue.read(self._consumer, self._count, self._block_ms)
        except ResponseError as error:
            if "NOGROUP" not in str(error):
                raise
            self._group_missing = True
            return
        for entry in entries:
            self._schedule(entry)

    async def drain(self) -> None:
        """Wait for every scheduled message to finish."""
        while self._tails:
            await asyncio.gather(*self._tails.values(), return_exceptions=True)

    def _schedule(self, entry: StreamEntry) -> None:
        """Chain the entry behind the conversation's previous one, so order is kept."""
        key = entry.message.conversation_key
        previous = self._tails.get(key)
        task = asyncio.create_task(self._process_after(previous, entry))
        self._tails[key] = task
        task.add_done_callback(lambda done: self._forget(key, done))

    def _forget(self, key: str, done: asyncio.Task[None]) -> None:
        if self._tails.get(key) is done:
            del self._tails[key]

    async def _process_after(self, previous: asyncio.Task[None] | None, entry: StreamEntry) -> None:
        if previous is not None:
            with contextlib.suppress(Exception):
                await previous
        async with self._slots:
            try:
                await self._process(entry)
            except REDIS_DOWN:
                # Not acknowledged: the entry stays pending and is claimed again later.
                log.warning("redis_unreachable_message_left_for_retry", entry=entry.entry_id)

    async def _process(self, entry: StreamEntry) -> None:
        """Answer the entry in its conversation's turn, after the conversation's earlier
        messages still waiting (one a crashed worker left behind, say)."""
        try:
            async with self._queue.turn(entry.message.conversation_key):
                earlier = await self._queue.earlier(entry)
                if earlier is None:
                    return  # another worker answered it, in order, while we waited
                for waiting in earlier:
                    if not await self._answer(waiting):
                        return  # still failing: the later ones keep their place behind it
                await self._answer(entry)
        except LockError:
            # Another worker kept the conversation too long; the entry stays pending.
            log.warning("conversation_busy_message_left_for_retry", entry=entry.entry_id)

    async def _answer(self, entry: StreamEntry) -> bool:
        """Handle one entry; True when it is done with (answered, refused or parked)."""
        bound = log.bind(
            entry=entry.entry_id,
            channel=entry.message.channel.value,
            conversation=entry.message.conversation_key,
        )
        attempt = await self._queue.delivery_attempt(entry.entry_id, ttl=7 * 24 * 3600)
        try:
            await self._engine.handle(entry.message)
        except DeliveryError as exc:
            if exc.permanent:
                bound.warning("reply_rejected_permanently", reason=str(exc))
                await self._queue.ack(entry)
                return True
            if attempt >= self._max_attempts:
                await self._queue.dead_letter(entry, f"delivery failed: {exc}")
                bound.error("message_dead_lettered", attempts=attempt)
                return True
            bound.warning("reply_not_delivered_will_retry", reason=str(exc), attempt=attempt)
            return False
        except Exception as exc:
            if attempt >= self._max_attempts:
                await self._queue.dead_letter(entry, f"{exc.__class__.__name__}: {exc}")
                bound.error("message_dead_lettered", attempts=attempt)
                return True
            bound.exception("message_failed_will_retry", attempt=attempt)
            return False
        await self._queue.ack(entry)
        return True
