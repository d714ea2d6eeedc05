"""What the CLI commands do, without the CLI: callable from tests and the supervisor."""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import sys
from collections.abc import AsyncIterator, Collection, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from bot.app import build_worker
from bot.nlu_data import TrainingSets, training_yaml_from
from bot.reading import message_reader
from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from bot.task_dump import dump_tasks
from bot.telegram_wiring import telegram_bot
from bot.web.auth import Role, StaffUser, UserStore
from bot.worker_health import worker_health
from faq.seed import seed_faq
from faq.sql_store import SqlFaqRepository
from nlu.decision import Decision
from nlu.evaluation.metrics import Outcome, load_labelled, summarise
from nlu.language import LanguageDetector
from nlu.replicas import RasaReplicas
from nlu.trainer import model_path
from orders.demo_data import load_customers, load_orders
from orders.sql_provider import SqlOrderProvider


def migrate(settings: Settings) -> None:
    """Bring the database schema to the newest migration."""
    # Imported here: alembic adds 10 MB to every process that loads the CLI, workers too.
    from bot.storage.migrate import upgrade

    upgrade(settings.effective_database_url)


async def seed_demo(settings: Settings, *, replace: bool = False) -> tuple[int, int]:
    """Add the demo company's FAQ entries that are missing (or replace them all), and its
    customers and orders if none are loaded (or replace them). Returns (FAQ entries written,
    orders written)."""
    db = create_engine(settings.effective_database_url)
    try:
        sessions = session_factory(db)
        written = await seed_faq(SqlFaqRepository(sessions), replace=replace)
        orders = SqlOrderProvider(sessions)
        if not (replace or await orders.is_empty()):
            return written, 0
        demo_orders = load_orders()
        await orders.replace_all(load_customers(), demo_orders)
        return written, len(demo_orders)
    finally:
        await db.dispose()


async def training_yaml(settings: Settings) -> str:
    """Rasa training data from the base intents and the FAQ entries in the database,
    recorded under the name of the model it makes (for the example vote)."""
    db = create_engine(settings.effective_database_url)
    try:
        sessions = session_factory(db)
        data = await training_yaml_from(SqlFaqRepository(sessions))
        await TrainingSets(sessions).save(model_path(data, settings.model_dir).name, data)
        return data
    finally:
        await db.dispose()


async def run_worker(settings: Settings) -> None:
    """Consume the inbound stream until SIGINT/SIGTERM, then finish in-flight messages."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGUSR1, dump_tasks)
    async with build_worker(settings) as worker, worker_health(settings):
        await worker.run(stop)


async def decisions(
    settings: Settings, texts: Iterable[str]
) -> AsyncIterator[tuple[str, Decision]]:
    """The live bot's decision for each text: the running NLU server, the FAQ slugs in the
    database and the configured thresholds."""
    db = create_engine(settings.effective_database_url)
    try:
        sessions = session_factory(db)
        faq = SqlFaqRepository(sessions)
        slugs = await faq.slugs()
        async with aiohttp.ClientSession() as http:
            nlu = RasaReplicas(http, settings.rasa_urls, settings.rasa_timeout_seconds)
            reader = message_reader(settings, nlu, faq, nlu.model_name, TrainingSets(sessions))
            for text in texts:
                yield text, (await reader.read(text, slugs)).decision
    finally:
        await db.dispose()


async def predict(settings: Settings, lines: Iterable[str], out: TextIO = sys.stdout) -> None:
    """One JSON object per input line, decided exactly as the live bot decides."""
    detector = LanguageDetector()
    async for text, decision in decisions(settings, _non_empty(lines)):
        record = {
            "text": text,
            "language": detector.detect(text, None, None),
            "intent": decision.intent,
            "confidence": round(decision.confidence, 4),
            "faq": decision.faq,
            "action": decision.action.value,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()


async def evaluate(settings: Settings, data: Sequence[Path]) -> dict[str, Any]:
    """Score the live decisions on labelled evaluation files, pooled and per file."""
    labelled = [example for path in data for example in load_labelled(path)]
    decided = [d async for _text, d in decisions(settings, (e.text for e in labelled))]
    return summarise([Outcome(e, d) for e, d in zip(labelled, decided, strict=True)])


def _non_empty(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        if stripped := line.strip():
            yield stripped


async def set_telegram_webhook(token: str, api_url: str, url: str, secret: str) -> None:
    """setWebhook with the secret token and only the update types we handle."""
    async with telegram_bot(token, api_url) as bot:
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=["message", "callback_query", "my_chat_member"],
        )


DEMO_AGENT = "demo"
# The account manager of the simulator's customer (Schreinerei Holzmann, a key account), so
# that the demo agent is offered that customer first, as the real account manager would be.
DEMO_AGENT_NAME = "Jonas Weber"
DEMO_ADMIN = "demo-admin"
DEMO_ADMIN_NAME = "Anna Schulte"


async def demo_agent_login(settings: Settings) -> tuple[str, str] | None:
    """Development only: a demo agent account, so that a new user can open the agent console
    right away. Its password is made up once and kept in the data directory (readable by the
    owner only); None in production or if the account exists but its password file is gone."""
    return await _demo_login(settings, DEMO_AGENT, DEMO_AGENT_NAME, Role.AGENT)


async def demo_admin_login(settings: Settings) -> tuple[str, str] | None:
    """Development only: a demo administrator for the FAQ admin, kept like the demo agent."""
    return await _demo_login(settings, DEMO_ADMIN, DEMO_ADMIN_NAME, Role.ADMIN)


async def _demo_login(
    settings: Settings, username: str, display_name: str, role: Role
) -> tuple[str, str] | None:
    if not settings.is_development:
        return None
    saved = settings.data_dir / f"demo-{role.value}-password.txt"
    if saved.exists():
        return username, saved.read_text(encoding="utf-8").strip()
    password = secrets.token_urlsafe(12)
    try:
        await create_user(settings, username, display_name, password, role, "de")
    except ValueError:
        return None
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.touch(mode=0o600)
    saved.write_text(password, encoding="utf-8")
    return username, password


async def create_user(
    settings: Settings,
    username: str,
    display_name: str,
    password: str,
    role: Role,
    language: str,
    serves: Collection[str] = ("de", "en"),
) -> StaffUser:
    """Add a staff account; ValueError for a taken username or a too short password."""
    db = create_engine(settings.effective_database_url)
    try:
        users = UserStore(session_factory(db))
        return await users.create(username, display_name, password, role, language, serves)
    finally:
        await db.dispose()
