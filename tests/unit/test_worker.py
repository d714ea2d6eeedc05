"""The worker on a real Redis stream: order per conversation, ack after success, retries,
dead letters, and recovery of what a crashed worker held."""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from bot.errors import DeliveryError
from bot.inbound_queue import InboundQueue
from bot.keys import Keys
from bot.messages import Channel, InboundKind, InboundMessage
from bot.worker import Worker
from tests.conftest import wait_for

KEYS = Keys(prefix="wt")
_ids = itertools.count(1)


def message(chat: str, text: str) -> InboundMessage:
    """A text message in a chat."""
    return InboundMessage(Channel.TELEGRAM, str(next(_ids)), chat, chat, InboundKind.TEXT, text)


class SlowRecordingEngine:
    """Handles messages with a delay that would reorder them if the worker did not serialise."""

    def __init__(self, failures: dict[str, int] | None = None, permanent: bool = False) -> None:
        self.handled: dict[str, list[str]] = defaultdict(list)
        self.failures = failures or {}
        self.permanent = permanent
        self.in_flight: dict[str, int] = defaultdict(int)
        self.max_parallel_per_chat = 0

    async def handle(self, message: InboundMessage) -> None:
        """Record the text; fail as configured."""
        self.in_flight[message.chat_id] += 1
        self.max_parallel_per_chat = max(
            self.max_parallel_per_chat, self.in_flight[message.chat_id]
        )
        try:
            await asyncio.sleep(0.02 if message.text.endswith("1") else 0.001)
            if self.failures.get(message.text, 0) > 0:
                self.failures[message.text] -= 1
                raise DeliveryError("down", permanent=self.permanent)
            self.handled[message.chat_id].append(message.text)
        finally:
            self.in_flight[message.chat_id] -= 1


def queue(redis: aioredis.Redis) -> InboundQueue:
    """The inbound queue under the test prefix."""
    return InboundQueue(redis, KEYS, dedup_ttl=60, max_length=10_000)


async def pending(redis: aioredis.Redis) -> int:
    """Entries read but not acknowledged."""
    info = await redis.xpending(KEYS.inbound_stream, KEYS.inbound_group)
    return int(info["pending"])


@asynccontextmanager
async def running(worker: Worker) -> AsyncIterator[None]:
    """The worker runs in the background for the block, then stops cleanly."""
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run(stop))
    try:
        yield
    finally:
        stop.set()
        await asyncio.wait_for(task, 10)


async def run_until(worker: Worker, condition: Callable[[], object], seconds: float = 10) -> None:
    """Run the worker until the condition holds."""
    async with running(worker):
        await wait_for(condition, seconds)


async def test_each_conversation_keeps_its_order_while_conversations_run_in_parallel(
    redis: aioredis.Redis,
) -> None:
    q = queue(redis)
    await q.ensure_group()
    for i in range(10):
        for chat in ("a", "b", "c"):
            await q.accept(message(chat, f"{chat}{i}"))
    engine = SlowRecordingEngine()
    worker = Worker(q, engine, "w1", concurrency=8, block_ms=50)
    await run_until(worker, lambda: sum(map(len, engine.handled.values())) == 30)
    for chat in ("a", "b", "c"):
        assert engine.handled[chat] == [f"{chat}{i}" for i in range(10)]
    assert engine.max_parallel_per_chat == 1
    assert await pending(redis) == 0
    assert await redis.keys(KEYS.attempts("*")) == []  # nothing left behind per message


async def test_a_message_whose_reply_failed_stays_pending_and_is_retried(
    redis: aioredis.Redis,
) -> None:
    q = queue(redis)
    await q.ensure_group()
    await q.accept(message("a", "hello"))
    engine = SlowRecordingEngine(failures={"hello": 1})
    worker = Worker(q, engine, "w1", block_ms=50, claim_idle_ms=100)
    await run_until(worker, lambda: engine.handled["a"] == ["hello"])
    assert await pending(redis) == 0


async def test_what_a_crashed_worker_held_is_taken_over(redis: aioredis.Redis) -> None:
    q = queue(redis)
    await q.ensure_group()
    await q.accept(message("a", "lost?"))
    taken = await q.read("crashed-worker", count=10, block_ms=10)  # read, then "crash"
    assert len(taken) == 1
    engine = SlowRecordingEngine()
    worker = Worker(q, engine, "w2", block_ms=50, claim_idle_ms=200)
    await run_until(worker, lambda: engine.handled["a"] == ["lost?"])
    assert await pending(redis) == 0


async def test_a_message_that_keeps_failing_is_dead_lettered_not_dropped(
    redis: aioredis.Redis,
) -> None:
    q = queue(redis)
    await q.ensure_group()
    await q.accept(message("a", "poison"))
    engine = SlowRecordingEngine(failures={"poison": 100})
    worker = Worker(q, engine, "w1", block_ms=20, claim_idle_ms=40, max_attempts=3)
    async with running(worker):
        await wait_for(lambda: engine.failures["poison"] == 97, seconds=15)
        await asyncio.sleep(0.3)  # time for more attempts, were it to make them
    assert engine.failures["poison"] == 97  # exactly three attempts
    entries = await redis.xrange(KEYS.dead_letter_stream)
    assert entries is not None
    assert len(entries) == 1
    fields = entries[0][1]
    assert fields is not None
    assert b"poison" in fields[b"message"]
    assert await pending(redis) == 0


async def test_a_permanently_refused_reply_is_acknowledged_not_retried(
    redis: aioredis.Redis,
) -> None:
    q = queue(redis)
    await q.ensure_group()
    await q.accept(message("a", "blocked"))
    engine = SlowRecordingEngine(failures={"blocked": 1}, permanent=True)
    worker = Worker(q, engine, "w1", block_ms=20, claim_idle_ms=40)
    async with running(worker):
        await wait_for(lambda: engine.failures["blocked"] == 0)
        await asyncio.sleep(0.3)  # a retry would now succeed and be recorded
    assert engine.handled["a"] == []
    assert await pending(redis) == 0


async def test_a_crashed_workers_message_is_answered_before_the_conversations_next_one(
    redis: aioredis.Redis,
) -> None:
    q = queue(redis)
    await q.ensure_group()
    await q.accept(message("a", "first"))
    [held] = await q.read("crashed", count=1, block_ms=10)  # read, then the worker died
    await q.accept(message("a", "second"))
    await q.accept(message("b", "elsewhere"))
    engine = SlowRecordingEngine()
    # Reclaiming would take a minute: order must not wait for it.
    worker = Worker(q, engine, "w2", block_ms=50, claim_idle_ms=60_000)
    await run_until(worker, lambda: len(engine.handled["a"]) == 2)
    assert engine.handled["a"] == ["first", "second"]
    assert engine.handled["b"] == ["elsewhere"]
    assert await pending(redis) == 0  # the crashed worker's entry is acknowledged too
    assert await redis.exists(KEYS.conversation_backlog(held.message.conversation_key)) == 0


async def test_a_message_another_worker_answered_in_order_is_not_answered_again(
    redis: aioredis.Redis,
) -> None:
    q = queue(redis)
    await q.ensure_group()
    await q.accept(message("a", "first"))
    await q.accept(message("a", "second"))
    [first] = await q.read("slow", count=1, block_ms=10)  # "slow" has not started on it yet
    engine = SlowRecordingEngine()
    await run_until(Worker(q, engine, "fast", block_ms=50), lambda: len(engine.handled["a"]) == 2)
    assert await pending(redis) == 0  # acknowledged by the worker that answered it
    # The slow worker finally gets to the entry it had read before.
    await Worker(q, engine, "slow", block_ms=50)._process(first)
    assert engine.handled["a"] == ["first", "second"]  # not "first" once more
