"""The whole stack as separate processes, with switches for the faults the fault suite
injects: `servicebot web` and `servicebot worker` processes (killable with SIGKILL), a real
redis-server of its own (restartable, AOF on), PostgreSQL, the real Rasa server behind a
proxy that can be made slow or taken away, and the Telegram Bot API stand-in behind a
middleware that answers 429, 500 or not at all.

The load driver plays Telegram: it posts each chat's updates in order and redelivers an
update until the webhook answers 200, as Telegram does. The tally compares what every chat
received with what it asked: one answer per message, in order, nothing twice."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from aiohttp import web
from aiohttp.typedefs import Handler
from sqlalchemy import select

from bot.devtools.telegram_standin import STANDIN_TOKEN, StandinState, create_standin_app
from bot.redis_factory import EmbeddedRedis
from bot.storage.database import create_engine, session_factory
from bot.storage.models import Conversation, Message
from tests.net import free_port

SECRET = "fault-suite-secret"
# Real questions from the demo FAQ, each with an answer of its own.
QUESTIONS = (
    "Wie sind Ihre Öffnungszeiten?",
    "Was kostet der Versand?",
    "Wie lange dauert die Lieferung?",
    "Welche Zahlungsarten gibt es?",
    "How do I return goods?",
    "Which countries do you deliver to?",
    "Wo finde ich meine Rechnung?",
    "Can I pick up at a branch?",
)
PROCESS_START_SECONDS = 60
SETTLE_SECONDS = 1.0  # time for the stand-in to answer requests a killed worker left behind


# -- the Bot API with faults -------------------------------------------------------------


@dataclass
class BotApiFaults:
    """What share of sendMessage calls fail, and how (seeded, so a run can be repeated)."""

    too_many: float = 0.0  # 429 with retry_after
    server_error: float = 0.0  # 500
    stall: float = 0.0  # no answer until the client gave up; the message is not taken
    stall_seconds: float = 7.0  # beyond python-telegram-bot's 5-s read timeout
    seed: int = 8
    injected: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def draw(self) -> str:
        """The fate of the next sendMessage: ok, 429, 500 or stall."""
        roll = self._random.random()
        for kind, share in (
            ("429", self.too_many),
            ("500", self.server_error),
            ("stall", self.stall),
        ):
            if roll < share:
                self.injected[kind] += 1
                return kind
            roll -= share
        return "ok"


def faulty_bot_api(state: StandinState, faults: BotApiFaults) -> web.Application:
    """The stand-in, with `faults` applied to sendMessage before it sees the call."""

    @web.middleware
    async def inject(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.lower().endswith("/sendmessage"):
            return await handler(request)
        fate = faults.draw()
        if fate == "429":
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
                status=429,
            )
        if fate == "500":
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
                status=500,
            )
        if fate == "stall":
            # Lost on the way: by the time we would answer, the client has given up, and
            # Telegram never saw the message.
            await asyncio.sleep(faults.stall_seconds)
            return web.json_response({"ok": False, "error_code": 502}, status=502)
        return await handler(request)

    app = create_standin_app(state)
    app.middlewares.append(inject)
    return app


# -- Rasa that can be slowed down or taken away ----------------------------------------------


class NluProxy:
    """Forwards to the real NLU server; `delay` slows each parse, `stop()` takes it away
    (new connections are refused and open ones cut, as when the Rasa process is gone)."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.port = free_port()
        self.delay = 0.0
        self.parses = 0  # forwarded /model/parse requests: which replica did the work
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._gone = False

    @property
    def url(self) -> str:
        """Where the stack's processes find "Rasa"."""
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Listen (again)."""
        self._gone = False
        self._http = self._http or aiohttp.ClientSession()
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stop listening. A keep-alive connection can outlive the listener, so a request on
        one is cut off without an answer."""
        self._gone = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        """Stop and release the client session."""
        await self.stop()
        if self._http is not None:
            await self._http.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        if self._gone and request.transport is not None:
            request.transport.abort()  # the client sees the connection drop
            raise web.HTTPServiceUnavailable
        if request.path.endswith("/parse"):
            self.parses += 1
            await asyncio.sleep(self.delay)
        async with self._http.request(
            request.method,
            f"{self.target}{request.path_qs}",
            data=await request.read(),
            headers={"Content-Type": request.headers.get("Content-Type", "application/json")},
        ) as upstream:
            return web.Response(
                status=upstream.status,
                body=await upstream.read(),
                content_type=upstream.content_type,
            )


# -- our processes --------------------------------------------------------------------------


@dataclass
class FaultStack:
    """Handles on the running processes; `env` is what every servicebot process gets."""

    root: Path
    redis: EmbeddedRedis
    nlu: NluProxy
    standin: StandinState
    faults: BotApiFaults
    database_url: str
    web_port: int
    env: dict[str, str]
    web: subprocess.Popen[bytes] | None = None
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _logs: int = 0

    @property
    def webhook_url(self) -> str:
        """Where the driver posts updates."""
        return f"http://127.0.0.1:{self.web_port}/webhooks/telegram"

    def _spawn(self, command: str) -> subprocess.Popen[bytes]:
        self._logs += 1
        log = (self.root / f"{command}-{self._logs}.log").open("wb")
        return subprocess.Popen(
            [sys.executable, "-m", "bot", command], env=self.env, stdout=log, stderr=log
        )

    async def start_web(self) -> None:
        """`servicebot web`, ready once /healthz answers."""
        self.web = self._spawn("web")
        deadline = time.monotonic() + PROCESS_START_SECONDS
        async with aiohttp.ClientSession() as http:
            while True:
                with contextlib.suppress(aiohttp.ClientError):
                    async with http.get(f"http://127.0.0.1:{self.web_port}/healthz") as answer:
                        if answer.status == 200:
                            return
                if self.web.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the web process did not start; see {self.root}")
                await asyncio.sleep(0.2)

    def start_worker(self) -> subprocess.Popen[bytes]:
        """One more `servicebot worker`."""
        worker = self._spawn("worker")
        self.workers.append(worker)
        return worker

    def kill(self, process: subprocess.Popen[bytes] | None) -> None:
        """SIGKILL: no cleanup, no acknowledgement of what was in flight."""
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)

    def kill_all(self) -> None:
        """Every servicebot process, by SIGKILL."""
        self.kill(self.web)
        for worker in self.workers:
            self.kill(worker)
        self.workers.clear()

    async def accepted_replies(self) -> frozenset[int]:
        """The Bot API's message ids so far, once the stand-in has answered what a killed
        process had already put on the wire: it runs in this event loop, which the blocking
        kill kept from reading those requests."""
        await asyncio.sleep(SETTLE_SECONDS)
        return frozenset(entry.message_id for entry in self.standin.bot_messages())

    def logs(self) -> str:
        """Everything our processes wrote (for a failing assertion's message)."""
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.root.glob("*.log"))

    async def diagnosis(self) -> str:
        """The logs' ends and what every task of each live worker waits on (bot/task_dump.py),
        for a failing wait's message."""
        for worker in self.workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGUSR1)
        await asyncio.sleep(1.0)
        dumps = []
        for log in self.root.glob("worker-*.log"):
            content = log.read_text(errors="replace")
            if (start := content.rfind("=== ")) >= 0:
                dumps.append(f"{log.name}: {content[start : start + 20_000]}")
        return "\n".join([self.logs(), *dumps])

    async def transcript(self) -> dict[str, list[tuple[str, str]]]:
        """Per Telegram chat: (direction, channel message id) in the order recorded."""
        db = create_engine(self.database_url)
        try:
            async with session_factory(db)() as session:
                rows = await session.execute(
                    select(Conversation.chat_id, Message.direction, Message.channel_message_id)
                    .join(Message, Message.conversation_id == Conversation.id)
                    .order_by(Message.id)
                )
                lines: dict[str, list[tuple[str, str]]] = {}
                for chat_id, direction, message_id in rows:
                    lines.setdefault(chat_id, []).append((direction, message_id))
                return lines
        finally:
            await db.dispose()


def stack_env(
    root: Path,
    *,
    database_url: str,
    redis_url: str,
    rasa_url: str,
    api_port: int,
    web_port: int,
) -> dict[str, str]:
    """Production settings for our processes, tuned so faults resolve in seconds."""
    return {
        **os.environ,
        "SERVICEBOT_ENVIRONMENT": "production",
        "SERVICEBOT_HTTP_HOST": "127.0.0.1",
        "SERVICEBOT_HTTP_PORT": str(web_port),
        "SERVICEBOT_DATA_DIR": str(root / "var"),
        "SERVICEBOT_DATABASE_URL": database_url,
        "SERVICEBOT_REDIS_URL": redis_url,
        "SERVICEBOT_RASA_URL": rasa_url,
        "SERVICEBOT_TELEGRAM_TOKEN": STANDIN_TOKEN,
        "SERVICEBOT_TELEGRAM_API_URL": f"http://127.0.0.1:{api_port}",
        "SERVICEBOT_TELEGRAM_SECRET_TOKEN": SECRET,
        "SERVICEBOT_WORKER_CLAIM_IDLE_SECONDS": "5",
        "SERVICEBOT_CONVERSATION_LOCK_SECONDS": "15",
        "SERVICEBOT_LOG_JSON": "true",
    }


@contextlib.asynccontextmanager
async def fault_stack(
    root: Path, database_url: str, rasa_url: str, faults: BotApiFaults | None = None
) -> AsyncIterator[FaultStack]:
    """Redis, the Bot API stand-in and the NLU proxy; the caller starts web and workers."""
    redis = EmbeddedRedis(root / "redis")
    redis.start()
    nlu = NluProxy(rasa_url)
    await nlu.start()
    standin, faults = StandinState(), faults or BotApiFaults()
    api_port, web_port = free_port(), free_port()
    api = web.AppRunner(faulty_bot_api(standin, faults), handler_cancellation=True)
    await api.setup()
    await web.TCPSite(api, "127.0.0.1", api_port).start()
    env = stack_env(
        root,
        database_url=database_url,
        redis_url=redis.url,
        rasa_url=nlu.url,
        api_port=api_port,
        web_port=web_port,
    )
    stack = FaultStack(root, redis, nlu, standin, faults, database_url, web_port, env)
    try:
        yield stack
    finally:
        stack.kill_all()
        await api.cleanup()
        await nlu.close()
        redis.stop()


# -- the driver and the tally ----------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One customer message as the driver delivered it."""

    chat_id: int
    update_id: int  # what the transcript knows a Telegram message by
    text: str


class TelegramDriver:
    """Posts updates like Telegram: per chat in order, redelivered until the webhook says 200."""

    def __init__(self, stack: FaultStack, http: aiohttp.ClientSession) -> None:
        self._stack = stack
        self._http = http
        self.sent: list[Sent] = []
        self.redeliveries = 0

    async def deliver(self, chat_id: int, text: str) -> Sent:
        """One message, accepted (200) in the end, however often it takes."""
        update = self._stack.standin.customer_update(chat_id, text)
        delay = 0.1
        while True:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with self._http.post(
                    self._stack.webhook_url,
                    json=update,
                    headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
                    timeout=aiohttp.ClientTimeout(total=10),
                ) as answer:
                    if answer.status == 200:
                        sent = Sent(chat_id, update["update_id"], text)
                        self.sent.append(sent)
                        return sent
                    assert answer.status == 503, f"webhook answered {answer.status}"
            self.redeliveries += 1
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    async def conversation(self, chat_id: int, texts: list[str], pause: float = 0.0) -> None:
        """One chat's messages, in order."""
        for text in texts:
            await self.deliver(chat_id, text)
            if pause:
                await asyncio.sleep(pause)

    async def burst(self, chats: dict[int, list[str]], pause: float = 0.0) -> None:
        """Every chat at once."""
        await asyncio.gather(*(self.conversation(c, t, pause) for c, t in chats.items()))


def bot_texts(standin: StandinState, chat_id: int) -> list[str]:
    """What the bot sent this chat, in order."""
    return [entry.text for entry in standin.bot_messages(chat_id)]


@dataclass
class Tally:
    """For each message sent: was its answer received, and how often."""

    sent: int = 0
    answered: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    disorder: list[str] = field(default_factory=list)  # the first few, for the message

    @property
    def lost(self) -> int:
        """Messages without their answer."""
        return self.sent - self.answered

    def line(self, fault: str) -> str:
        """The figures as the closing note lists them."""
        return (
            f"{fault}: sent {self.sent}, replies {self.answered}, "
            f"duplicates {self.duplicates}, losses {self.lost}, out of order {self.out_of_order}"
        )


def tally(
    standin: StandinState,
    chats: dict[int, list[str]],
    answer_of: Callable[[str], list[str]],
    notice_for: Callable[[str], list[str]],
) -> Tally:
    """Compare what each chat received with what it should have: the first-contact notice,
    then each message's answer in the order asked."""
    result = Tally()
    for chat_id, texts in chats.items():
        received = bot_texts(standin, chat_id)
        result.sent += len(texts)
        counts = Counter(received)
        twice = {text[:60]: n for text, n in counts.items() if n > 1}
        result.duplicates += sum(n - 1 for n in twice.values())
        if twice and len(result.disorder) < 3:
            result.disorder.append(f"chat {chat_id}: sent more than once {twice}")
        expected = list(notice_for(texts[0]))
        for text in texts:
            answer = answer_of(text)
            expected += answer
            if all(counts[part] >= 1 for part in answer):
                result.answered += 1
        if list(dict.fromkeys(received)) != list(dict.fromkeys(expected)):
            result.out_of_order += 1
            if len(result.disorder) < 3:
                result.disorder.append(f"chat {chat_id}: got {received}, expected {expected}")
    return result


async def wait_until(
    condition: Callable[[], bool | Awaitable[bool]], seconds: float, what: str
) -> None:
    """Poll until the condition holds."""
    deadline = time.monotonic() + seconds
    while True:
        outcome = condition()
        if outcome if isinstance(outcome, bool) else await outcome:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        await asyncio.sleep(0.2)


def replies_seen(standin: StandinState) -> int:
    """How many messages the bot has sent so far (all chats)."""
    return len(standin.bot_messages())
