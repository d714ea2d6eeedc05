"""The fault suite: real processes (web, workers, redis-server, PostgreSQL, Rasa, the Bot API
stand-in), one fault injected in the middle of a burst of customer messages. After each,
every message has exactly one answer, in the order asked, and the transcript holds every
message both ways. Each test appends its figures to `var/fault-report.txt` in the checkout
(`SERVICEBOT_FAULT_REPORT` names another file)."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from bot.commands import seed_demo
from bot.settings import Settings
from handlers.texts import text
from tests.fault_stack import (
    QUESTIONS,
    FaultStack,
    Tally,
    TelegramDriver,
    bot_texts,
    fault_stack,
    replies_seen,
    tally,
    wait_until,
)

pytestmark = pytest.mark.timeout(600)
ANSWER_SECONDS = 180  # for the whole burst to be answered once the fault is over
_chat_ids = itertools.count(7_000_001)
DEFAULT_REPORT = Path(__file__).resolve().parents[2] / "var" / "fault-report.txt"


@dataclass
class Reference:
    """What an undisturbed stack answers: each question's first-contact notice (in the
    question's language) and its answer, measured on this very stack before the fault."""

    notices: dict[str, list[str]]
    answers: dict[str, list[str]]

    def answer_of(self, question: str) -> list[str]:
        """The messages that answer the question."""
        return self.answers[question]

    def notice_for(self, question: str) -> list[str]:
        """What a new customer gets first when this is their first question."""
        return self.notices[question]


async def reference(driver: TelegramDriver, stack: FaultStack) -> Reference:
    """Ask every question once, each in a chat of its own, with no fault."""
    chats = {next(_chat_ids): question for question in QUESTIONS}
    await asyncio.gather(*(driver.deliver(chat, question) for chat, question in chats.items()))
    await wait_until(
        lambda: all(len(bot_texts(stack.standin, chat)) >= 2 for chat in chats),
        ANSWER_SECONDS,
        "reference answers",
    )
    await asyncio.sleep(1.0)  # an answer in several parts has arrived whole
    received = {question: bot_texts(stack.standin, chat) for chat, question in chats.items()}
    answers = {question: texts[1:] for question, texts in received.items()}
    distinct = {tuple(answer) for answer in answers.values()}
    assert len(distinct) == len(QUESTIONS), "each question needs an answer of its own"
    driver.sent.clear()
    return Reference({q: texts[:1] for q, texts in received.items()}, answers)


def burst_chats(chats: int, per_chat: int) -> dict[int, list[str]]:
    """Chats that each ask `per_chat` different questions."""
    plan = {}
    for n in range(chats):
        questions = [QUESTIONS[(n + k) % len(QUESTIONS)] for k in range(per_chat)]
        plan[next(_chat_ids)] = questions
    return plan


async def complete(stack: FaultStack, chats: dict[int, list[str]], ref: Reference) -> Tally:
    """Wait until every chat has its answers (or the time is up), then tally."""

    def all_answered() -> bool:
        figures = tally(stack.standin, chats, ref.answer_of, ref.notice_for)
        return figures.lost == 0

    try:
        await wait_until(all_answered, ANSWER_SECONDS, "every message answered")
    except AssertionError:
        figures = tally(stack.standin, chats, ref.answer_of, ref.notice_for)
        raise AssertionError(f"{figures.line('incomplete')}\n{await stack.diagnosis()}") from None
    await asyncio.sleep(3.0)  # a duplicate would come now: a retry, a reclaimed entry
    return tally(stack.standin, chats, ref.answer_of, ref.notice_for)


async def assert_transcript_complete(
    stack: FaultStack, driver: TelegramDriver, unrecorded: frozenset[int] = frozenset()
) -> None:
    """The database holds each customer message and each reply once, per chat in order
    (but for `unrecorded`: replies whose sender died before it could note them)."""
    transcript = await stack.transcript()
    for chat_id in {sent.chat_id for sent in driver.sent}:
        lines = transcript.get(str(chat_id), [])
        inbound = [m for d, m in lines if d == "in"]
        outbound = [m for d, m in lines if d == "out"]
        asked = [str(s.update_id) for s in driver.sent if s.chat_id == chat_id]
        replied = [
            str(e.message_id)
            for e in stack.standin.bot_messages(chat_id)
            if e.message_id not in unrecorded
        ]
        assert inbound == asked, f"chat {chat_id}: transcript {lines}, asked {asked}"
        assert sorted(outbound) == sorted(replied), f"chat {chat_id}: replies in the transcript"


def report(line: str) -> None:
    """Append a result line to the fault report (and show it in pytest's output)."""
    path = Path(os.environ.get("SERVICEBOT_FAULT_REPORT", DEFAULT_REPORT))
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        out.write(line + "\n")
    print(line)


def assert_exact(figures: Tally, sent: int, repeats: int = 0) -> None:
    """N sent, N answered, nothing twice (but the `repeats` no one can avoid), nothing lost,
    order kept."""
    exact = (figures.sent, figures.answered, figures.duplicates, figures.lost, figures.out_of_order)
    assert exact == (sent, sent, repeats, 0, 0), "\n".join(figures.disorder)


async def verify(
    name: str,
    stack: FaultStack,
    driver: TelegramDriver,
    chats: dict[int, list[str]],
    ref: Reference,
    accepted_before_kill: frozenset[int] = frozenset(),
) -> None:
    """Once the fault is over: each message answered once, in order; transcript complete.
    Of the replies accepted before a worker was killed, those it had not yet marked sent
    (and nothing else) may arrive a second time."""
    figures = await complete(stack, chats, ref)
    in_flight = await sent_but_never_recorded(stack, accepted_before_kill)
    extra = f", redeliveries {driver.redeliveries}" if driver.redeliveries else ""
    extra += f", of them in flight at the kill {len(in_flight)}" if in_flight else ""
    report(figures.line(name) + extra)
    assert_exact(figures, sum(map(len, chats.values())), repeats=len(in_flight))
    await assert_transcript_complete(stack, driver, unrecorded=in_flight)


async def sent_but_never_recorded(stack: FaultStack, accepted: frozenset[int]) -> frozenset[int]:
    """Of the replies the Bot API had accepted, those no worker noted as sent: a worker
    killed between Telegram's answer and its sent-marker. Telegram takes no idempotency
    key, so the next worker cannot know these arrived and sends them again."""
    if not accepted:
        return frozenset()
    transcript = await stack.transcript()
    recorded = {int(m) for lines in transcript.values() for d, m in lines if d == "out"}
    return accepted - recorded


@pytest.fixture
async def stack(tmp_path: Path, postgres_db_url: str, rasa_url: str) -> AsyncIterator[FaultStack]:
    """The processes on a seeded PostgreSQL database; web up, no worker yet."""
    await seed_demo(Settings(_env_file=None, database_url=postgres_db_url))  # type: ignore[call-arg]
    async with fault_stack(tmp_path / "stack", postgres_db_url, rasa_url) as running:
        running.root.mkdir(parents=True, exist_ok=True)
        await running.start_web()
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    """The driver's HTTP client."""
    async with aiohttp.ClientSession() as session:
        yield session


async def test_a_worker_killed_mid_burst_loses_nothing_and_repeats_only_replies_in_flight(
    stack: FaultStack, http: aiohttp.ClientSession
) -> None:
    """The one repeat no design can rule out: a reply the Bot API accepted in the
    milliseconds between its answer and the killed worker's sent-marker. Those are counted
    and reported; any other repeat fails."""
    doomed = stack.start_worker()
    stack.start_worker()
    driver = TelegramDriver(stack, http)
    ref = await reference(driver, stack)
    chats = burst_chats(30, 2)
    before = replies_seen(stack.standin)
    sending = asyncio.create_task(driver.burst(chats))
    await wait_until(lambda: replies_seen(stack.standin) >= before + 20, 120, "first replies")
    stack.kill(doomed)  # SIGKILL: what it had read stays unacknowledged
    accepted = await stack.accepted_replies()
    await sending
    await verify("worker killed (SIGKILL) mid-burst", stack, driver, chats, ref, accepted)


async def test_a_redis_restart_mid_burst_loses_nothing_and_repeats_nothing(
    stack: FaultStack, http: aiohttp.ClientSession
) -> None:
    stack.start_worker()
    driver = TelegramDriver(stack, http)
    ref = await reference(driver, stack)
    chats = burst_chats(20, 3)
    before = replies_seen(stack.standin)
    sending = asyncio.create_task(driver.burst(chats, pause=1.0))  # still sending when…
    await wait_until(lambda: replies_seen(stack.standin) >= before + 10, 120, "first replies")
    stack.redis.stop()  # webhooks answer 503 meanwhile; Telegram (the driver) redelivers
    await asyncio.sleep(3.0)
    stack.redis.start()
    await sending
    assert driver.redeliveries > 0, "the webhook never refused while Redis was down"
    await verify("Redis restarted mid-burst", stack, driver, chats, ref)


async def test_bot_api_429_500_and_timeouts_are_retried_without_duplicates(
    stack: FaultStack, http: aiohttp.ClientSession
) -> None:
    stack.start_worker()
    driver = TelegramDriver(stack, http)
    ref = await reference(driver, stack)
    stack.faults.too_many, stack.faults.server_error, stack.faults.stall = 0.15, 0.15, 0.04
    chats = burst_chats(30, 2)
    await driver.burst(chats)
    await verify("Bot API answers 429/500/times out", stack, driver, chats, ref)
    injected = dict(stack.faults.injected)
    report(f"  faults injected: {injected}")
    assert min(injected.get(kind, 0) for kind in ("429", "500", "stall")) > 0


async def test_rasa_slow_then_gone_gets_answers_then_a_person_never_silence(
    stack: FaultStack, http: aiohttp.ClientSession
) -> None:
    stack.start_worker()
    driver = TelegramDriver(stack, http)
    ref = await reference(driver, stack)
    stack.nlu.delay = 1.5  # slow, well within the default 10-s patience
    slow = burst_chats(20, 2)
    await driver.burst(slow)
    await verify("Rasa slow (1.5 s per parse)", stack, driver, slow, ref)

    await stack.nlu.stop()  # gone: connections refused
    # Questions no parse is cached for: the cache would answer a known one without Rasa.
    gone = {
        chat: [f"{texts[0]} (Baustelle {chr(ord('A') + n)})"]
        for n, (chat, texts) in enumerate(burst_chats(20, 1).items())
    }
    await driver.burst(gone)
    lead = text("nlu_unavailable", "de"), text("nlu_unavailable", "en")

    def person_told() -> Tally:
        result = Tally()
        for chat in gone:
            received = bot_texts(stack.standin, chat)
            result.sent += 1
            told = [t for t in received if t.startswith(lead)]
            result.answered += len(told) >= 1
            result.duplicates += max(0, len(received) - 2)
        return result

    try:
        await wait_until(lambda: person_told().lost == 0, ANSWER_SECONDS, "a person for each")
    except AssertionError:
        raise AssertionError(
            f"{person_told().line('incomplete')}\n{await stack.diagnosis()}"
        ) from None
    await asyncio.sleep(3.0)
    figures = person_told()
    report(figures.line("Rasa gone (a person takes over)"))
    assert_exact(figures, 20)
    await assert_transcript_complete(stack, driver)


async def test_the_whole_stack_restarted_mid_burst_loses_nothing(
    stack: FaultStack, http: aiohttp.ClientSession
) -> None:
    stack.start_worker()
    stack.start_worker()
    driver = TelegramDriver(stack, http)
    ref = await reference(driver, stack)
    chats = burst_chats(20, 3)
    before = replies_seen(stack.standin)
    sending = asyncio.create_task(driver.burst(chats, pause=1.0))
    await wait_until(lambda: replies_seen(stack.standin) >= before + 10, 120, "first replies")
    stack.kill_all()  # web and workers by SIGKILL: the same window as a single kill
    accepted = await stack.accepted_replies()
    stack.redis.stop()
    await asyncio.sleep(1.0)
    stack.redis.start()
    await stack.start_web()
    stack.start_worker()
    stack.start_worker()
    await sending
    assert driver.redeliveries > 0, "the webhook was never away"
    await verify("whole stack restarted mid-burst", stack, driver, chats, ref, accepted)
