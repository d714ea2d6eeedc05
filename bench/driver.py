"""The load driver: plays Telegram towards a bot's webhook and times, per message, the
webhook's acknowledgement and the reply's arrival at the Bot API stand-in. It also checks
what no benchmark may trade for speed: every message gets its reply, none gets it twice."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.devtools.telegram_standin import ChatEntry, StandinState
from handlers.texts import text as bot_text

_chat_ids = itertools.count(80_000_001)
# The first-contact privacy notice is not an answer: the driver skips it. Its words up to
# the first *bold* markup, which the Telegram sender turns into HTML.
NOTICE_PREFIXES = tuple(bot_text("disclosure", lang).split("*")[0] for lang in ("de", "en"))


class TimedStandin(StandinState):
    """The Bot API stand-in's state that also notes when each bot message arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: dict[int, list[float]] = {}  # chat: arrival times of its answer parts
        self.notices: dict[int, int] = {}
        self._waiters: dict[int, asyncio.Event] = {}

    def record(self, chat_id: int, sender: str, text: str, **extra: Any) -> ChatEntry:
        """Record as the stand-in does; time the bot's messages and wake their waiter."""
        entry = super().record(chat_id, sender, text, **extra)
        if sender == "bot":
            if text.startswith(NOTICE_PREFIXES):
                self.notices[chat_id] = self.notices.get(chat_id, 0) + 1
            else:
                self.answers.setdefault(chat_id, []).append(time.perf_counter())
                self.waiter(chat_id).set()
        return entry

    def waiter(self, chat_id: int) -> asyncio.Event:
        """Set whenever an answer part reaches this chat."""
        return self._waiters.setdefault(chat_id, asyncio.Event())

    def forget(self) -> None:
        """Drop what was recorded (between phases), so memory and lookups stay small."""
        self.chat.clear()
        self.answers.clear()
        self.notices.clear()
        self._waiters.clear()


@dataclass(frozen=True)
class Target:
    """A bot under test: where its webhook is and what Telegram sends along."""

    name: str
    webhook_url: str
    headers: dict[str, str] = field(default_factory=dict)
    # How many messages answer a text; None: as many as have arrived when the webhook
    # answers (Rasa's connector sends its answer, split at blank lines, before it answers).
    parts: Callable[[str], int] | None = lambda _text: 1


@dataclass
class Phase:
    """One measured run: latencies in seconds, and the delivery check."""

    name: str
    messages: int = 0
    seconds: float = 0.0
    ack: list[float] = field(default_factory=list)
    end_to_end: list[float] = field(default_factory=list)
    lost: int = 0
    duplicates: int = 0
    refused: int = 0  # webhook answers other than 200 (each redelivered)

    @property
    def per_second(self) -> float:
        """Messages completed per second of wall time."""
        return self.messages / self.seconds if self.seconds else 0.0


class LoadDriver:
    """Posts Telegram updates the way Telegram does (redelivered until answered 200)."""

    def __init__(self, standin: TimedStandin, http: aiohttp.ClientSession) -> None:
        self._standin = standin
        self._http = http
        self._sent_at: dict[int, float] = {}  # open loop: when each chat's one update went

    async def post(self, target: Target, chat_id: int, text: str, phase: Phase) -> None:
        """Deliver one update; its acknowledgement latency goes into the phase."""
        update = self._standin.customer_update(chat_id, text)
        while True:
            started = time.perf_counter()
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._http.post(
                    target.webhook_url, json=update, headers=target.headers
                ) as answer:
                    await answer.read()
                    if answer.status == 200:
                        phase.ack.append(time.perf_counter() - started)
                        return
            phase.refused += 1
            await asyncio.sleep(0.2)

    async def conversations(
        self,
        target: Target,
        name: str,
        texts: Sequence[str],
        concurrency: int,
        # One message per chat: after a miss or a complaint the bot hands the chat to a person
        # and stays quiet, so a later message in it would wait in vain for a bot reply.
        per_chat: int = 1,
        reply_seconds: float = 60.0,
    ) -> Phase:
        """`concurrency` customers at once, each in a new chat sending `per_chat` messages,
        each after the previous one's answer; replies/s is the sustained throughput."""
        phase = Phase(name)
        plan = [list(texts[i : i + per_chat]) for i in range(0, len(texts), per_chat)]
        queue: asyncio.Queue[list[str]] = asyncio.Queue()
        for conversation in plan:
            queue.put_nowait(conversation)
        expected: dict[int, int] = {}

        async def customer() -> None:
            while not queue.empty():
                conversation = queue.get_nowait()
                chat_id = next(_chat_ids)
                expected[chat_id] = 0
                for text in conversation:
                    sent_at = time.perf_counter()
                    await self.post(target, chat_id, text, phase)
                    if target.parts is None:
                        expected[chat_id] = max(expected[chat_id] + 1, self._count(chat_id))
                    else:
                        expected[chat_id] += target.parts(text)
                    if await self._answered(chat_id, expected[chat_id], reply_seconds):
                        arrived = self._standin.answers[chat_id][expected[chat_id] - 1]
                        phase.end_to_end.append(arrived - sent_at)
                    else:
                        phase.lost += 1
                        break  # the chat is out of step; its next answers would mislead

        started = time.perf_counter()
        await asyncio.gather(*(customer() for _ in range(concurrency)))
        phase.seconds = time.perf_counter() - started
        phase.messages = len(phase.end_to_end)
        await asyncio.sleep(2.0)  # a duplicate would arrive now
        phase.duplicates = self._surplus(expected)
        return phase

    async def acknowledgements(
        self, target: Target, name: str, texts: Sequence[str], rate: float | None, concurrency: int
    ) -> tuple[Phase, dict[int, int]]:
        """Only the webhook: updates from new chats at `rate` per second (open loop), or
        as fast as `concurrency` senders go (rate None). Returns the chats and how many
        answer parts each expects, for `settle` to check once the backlog is answered."""
        phase = Phase(name)
        assert target.parts is not None, "only a bot that answers after the webhook is timed so"
        expected = {next(_chat_ids): target.parts(text) for text in texts}
        jobs = list(zip(expected, texts, strict=True))
        started = time.perf_counter()
        if rate is None:
            queue = iter(jobs)

            async def sender() -> None:
                for chat_id, text in queue:
                    self._sent_at[chat_id] = time.perf_counter()
                    await self.post(target, chat_id, text, phase)

            await asyncio.gather(*(sender() for _ in range(concurrency)))
        else:
            tasks = []
            for n, (chat_id, text) in enumerate(jobs):
                delay = started + n / rate - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                self._sent_at[chat_id] = time.perf_counter()
                tasks.append(asyncio.create_task(self.post(target, chat_id, text, phase)))
            await asyncio.gather(*tasks)
        phase.seconds = time.perf_counter() - started
        phase.messages = len(phase.ack)
        return phase, expected

    async def settle(self, phase: Phase, expected: dict[int, int], seconds: float) -> None:
        """Wait until every chat has its answers (or the time is up); count losses and
        duplicates into the phase."""
        deadline = time.monotonic() + seconds
        # Polled: the answers of many chats are awaited at once, not one event.
        while time.monotonic() < deadline and self._missing(expected):  # noqa: ASYNC110
            await asyncio.sleep(0.5)
        await asyncio.sleep(2.0)
        phase.lost += self._missing(expected)
        phase.duplicates += self._surplus(expected)
        answers = self._standin.answers
        phase.end_to_end = [
            answers[chat][n - 1] - self._sent_at[chat]
            for chat, n in expected.items()
            if len(answers.get(chat, ())) >= n
        ]

    async def _answered(self, chat_id: int, count: int, seconds: float) -> bool:
        """Wait until the chat has `count` answer parts."""
        waiter = self._standin.waiter(chat_id)
        deadline = time.monotonic() + seconds
        while len(self._standin.answers.get(chat_id, ())) < count:
            waiter.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), remaining)
        return True

    def _count(self, chat_id: int) -> int:
        return len(self._standin.answers.get(chat_id, ()))

    def _missing(self, expected: dict[int, int]) -> int:
        answers = self._standin.answers
        return sum(1 for chat, n in expected.items() if len(answers.get(chat, ())) < n)

    def _surplus(self, expected: dict[int, int]) -> int:
        answers, notices = self._standin.answers, self._standin.notices
        extra_answers = sum(max(0, len(answers.get(c, ())) - n) for c, n in expected.items())
        extra_notices = sum(max(0, notices.get(c, 0) - 1) for c in expected)
        return extra_answers + extra_notices


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values lie (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]
