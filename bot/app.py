"""The composition root: the only place that builds concrete adapters."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass

import aiohttp
import redis.asyncio as aioredis
import structlog
from aiohttp import web
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import redis_factory
from bot.channels.telegram import TelegramWebhook
from bot.channels.telegram_sender import TelegramSender
from bot.channels.whatsapp import WhatsAppWebhook
from bot.crm_wiring import (
    WorkerProcess,
    add_crm_webhooks,
    agent_actions,
    check_crm_settings,
    crm_dispatcher,
    crm_outbox,
)
from bot.delivery_status import DeliveryStatuses
from bot.devtools.simulator import Simulator, add_simulator_routes
from bot.devtools.telegram_standin import StandinState, create_standin_app
from bot.engine import Engine, EngineConfig
from bot.faq_wiring import faq_admin
from bot.inbound_queue import InboundQueue
from bot.keys import Keys
from bot.messages import Channel
from bot.nlu_data import TrainingSets
from bot.privacy_wiring import privacy_service, retention_job
from bot.reading import message_reader
from bot.senders import ReplySender, Sender
from bot.settings import Settings
from bot.storage.conversation_store import SqlConversationStore
from bot.storage.database import SessionFactory, create_engine, session_factory
from bot.telegram_wiring import (
    STANDIN_PATH,
    connect_telegram_bot,
    staff_telegram,
    telegram_bot,
    telegram_endpoint,
)
from bot.web.auth import UserStore, setup_auth
from bot.web.health import healthz, readiness_handler
from bot.web.privacy_web import PRIVACY, PRIVACY_API, setup_privacy
from bot.whatsapp_wiring import check_whatsapp_settings, whatsapp, whatsapp_webhook
from bot.worker import Worker
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.adapters.sql_history import SqlConversationHistory
from crm_bridge.business_hours import BusinessHours, parse_weekly
from crm_bridge.console import CONSOLE, ConsoleDeps, setup_console
from crm_bridge.media import MediaSource
from faq.admin_service import FAQ_ADMIN
from faq.admin_web import setup_admin
from faq.api import setup_api
from faq.categories_web import setup_categories
from faq.misses import SqlMisses
from faq.misses_web import setup_misses
from faq.sql_store import SqlFaqRepository
from nlu.cache import CachedNlu
from nlu.language import LanguageDetector
from nlu.replicas import RasaReplicas
from orders.ports import OrderProvider
from orders.rest_provider import RestOrderConfig, RestOrderProvider
from orders.sql_provider import SqlOrderProvider

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Resources:
    """Connections shared by the web and worker processes' components."""

    redis: aioredis.Redis
    db: AsyncEngine
    sessions: SessionFactory
    http: aiohttp.ClientSession
    nlu: CachedNlu
    rasa: RasaReplicas
    faq: SqlFaqRepository
    keys: Keys


@asynccontextmanager
async def open_resources(settings: Settings) -> AsyncIterator[Resources]:
    """Connect to Redis (starting the embedded one if none is configured), DB and NLU."""
    async with AsyncExitStack() as stack:
        redis_url, embedded = redis_factory.ensure_redis_url(settings)
        if embedded is not None:
            stack.callback(embedded.stop)
        redis = redis_factory.connect(redis_url)
        stack.push_async_callback(redis.aclose)
        db = create_engine(settings.effective_database_url)
        stack.push_async_callback(db.dispose)
        http = await stack.enter_async_context(aiohttp.ClientSession())
        sessions = session_factory(db)
        keys = Keys()
        rasa = RasaReplicas(http, settings.rasa_urls, settings.rasa_timeout_seconds)
        yield Resources(
            redis=redis,
            db=db,
            sessions=sessions,
            http=http,
            nlu=CachedNlu(rasa, redis, keys.parse_cache, settings.parse_cache_ttl_seconds),
            rasa=rasa,
            faq=SqlFaqRepository(sessions),
            keys=keys,
        )


def business_hours(settings: Settings) -> BusinessHours:
    """The service team's working hours, holidays and closed days from the settings."""
    return BusinessHours(
        timezone=settings.business_timezone,
        weekly=parse_weekly(settings.business_hours),
        region=settings.business_holiday_region,
        extra_closed_days=frozenset(settings.business_closed_days),
    )


def order_provider(
    settings: Settings, sessions: SessionFactory, http: aiohttp.ClientSession
) -> OrderProvider:
    """The shop/ERP's REST API if one is configured, else the SQL tables."""
    if not settings.orders_rest_url:
        return SqlOrderProvider(sessions)
    config = RestOrderConfig(
        base_url=settings.orders_rest_url,
        auth_header=settings.orders_rest_auth_header.get_secret_value(),
        timeout_seconds=settings.orders_rest_timeout_seconds,
        field_map=settings.orders_rest_field_map,
        status_map=settings.orders_rest_status_map,
    )
    return RestOrderProvider(http, config)


async def _database_ready(db: AsyncEngine) -> bool:
    async with db.connect() as connection:
        await connection.execute(text("SELECT 1"))
    return True


RESOURCES = web.AppKey("resources", Resources)
TELEGRAM_WEBHOOK = web.AppKey("telegram_webhook", TelegramWebhook)
INBOUND_QUEUE = web.AppKey("inbound_queue", InboundQueue)
WHATSAPP_WEBHOOK = web.AppKey("whatsapp_webhook", WhatsAppWebhook)
STANDIN = web.AppKey("standin", StandinState)


def create_app(settings: Settings) -> web.Application:
    """The web process: webhooks, health, and in development the simulator."""
    check_crm_settings(settings)
    check_whatsapp_settings(settings)
    app = web.Application(client_max_size=settings.max_body_bytes + 64 * 1024)
    secret = settings.telegram_secret_token.get_secret_value()
    if not secret:
        if settings.telegram_token.get_secret_value() and not settings.is_development:
            raise RuntimeError("SERVICEBOT_TELEGRAM_SECRET_TOKEN must be set in production")
        # Development, or no Telegram at all: a fresh one per start (nobody else knows it).
        secret = secrets.token_urlsafe(32)
    standin = StandinState() if settings.telegram_standin_enabled else None

    async def resources(app: web.Application) -> AsyncIterator[None]:
        async with open_resources(settings) as res:
            app[RESOURCES] = res
            queue = InboundQueue(
                res.redis, res.keys, settings.dedup_ttl_seconds, settings.stream_max_length
            )
            app[TELEGRAM_WEBHOOK] = TelegramWebhook(queue, secret, settings.max_body_bytes)
            if standin is not None:
                standin.webhook_url = settings.effective_public_url + "/webhooks/telegram"
                standin.webhook_secret = secret
            app[INBOUND_QUEUE] = queue
            wa = whatsapp(settings, res.http, res.redis, res.keys, res.sessions)
            async with AsyncExitStack() as senders:
                outbox = crm_outbox(settings, res.redis, res.keys)
                telegram = staff_telegram(settings, senders)
                staff_senders: dict[Channel, ReplySender] = {**telegram}
                media: dict[Channel, MediaSource] = {**telegram}
                if wa is not None:
                    app[WHATSAPP_WEBHOOK] = whatsapp_webhook(settings, queue, wa.window)
                    staff_senders[Channel.WHATSAPP] = wa.sender
                    media[Channel.WHATSAPP] = wa.vault.source(Channel.WHATSAPP.value)
                app[CONSOLE] = ConsoleDeps(
                    desk=SqlHandoffDesk(res.sessions),
                    history=SqlConversationHistory(res.sessions),
                    orders=order_provider(settings, res.sessions, res.http),
                    actions=agent_actions(
                        settings, res.sessions, staff_senders, outbox, res.redis, res.keys
                    ),
                    media=media,
                    faq=res.faq,
                    staff=UserStore(res.sessions),
                    key_account_minutes=settings.key_account_first_minutes,
                    misses=SqlMisses(res.sessions),
                )
                app[PRIVACY] = privacy_service(
                    settings,
                    res.sessions,
                    res.redis,
                    res.keys,
                    order_provider(settings, res.sessions, res.http),
                    outbox,
                )
                reader = message_reader(
                    settings, res.nlu, res.faq, res.rasa.model_name, TrainingSets(res.sessions)
                )
                app[FAQ_ADMIN] = await senders.enter_async_context(faq_admin(settings, res, reader))
                yield

    async def telegram_webhook(request: web.Request) -> web.StreamResponse:
        return await request.app[TELEGRAM_WEBHOOK].handle(request)

    async def readyz(request: web.Request) -> web.StreamResponse:
        res = request.app[RESOURCES]
        checks = {
            "redis": lambda: res.redis.ping(),
            "database": lambda: _database_ready(res.db),
            "nlu": res.nlu.ready,
        }
        return await readiness_handler(checks)(request)

    app.cleanup_ctx.append(resources)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_post("/webhooks/telegram", telegram_webhook)
    if settings.whatsapp_enabled:

        async def whatsapp_verification(request: web.Request) -> web.StreamResponse:
            return await request.app[WHATSAPP_WEBHOOK].verify(request)

        async def whatsapp_updates(request: web.Request) -> web.StreamResponse:
            return await request.app[WHATSAPP_WEBHOOK].handle(request)

        app.router.add_get("/webhooks/whatsapp", whatsapp_verification)
        app.router.add_post("/webhooks/whatsapp", whatsapp_updates)
    setup_auth(
        app,
        lambda: UserStore(app[RESOURCES].sessions),
        lambda: app[RESOURCES].redis,
        Keys(),  # the prefix open_resources uses
        secure_cookies=settings.effective_secure_cookies,
    )
    setup_console(app)
    setup_admin(app)
    setup_misses(app)
    setup_categories(app)
    setup_privacy(app)
    setup_api(app, parts=(PRIVACY_API,))
    add_crm_webhooks(app, settings, lambda: (app[INBOUND_QUEUE], app[RESOURCES].sessions))
    if standin is not None:
        app[STANDIN] = standin
        app.add_subapp(STANDIN_PATH, create_standin_app(standin))
        _add_simulator(app, standin)
    return app


def _add_simulator(app: web.Application, standin: StandinState) -> None:
    session_key = web.AppKey("simulator_session", aiohttp.ClientSession)

    async def session(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession() as client:
            app[session_key] = client
            yield

    app.cleanup_ctx.append(session)
    simulator = Simulator(standin, lambda: app[session_key])
    add_simulator_routes(app, simulator)


@asynccontextmanager
async def build_worker(settings: Settings) -> AsyncIterator[WorkerProcess]:
    """The worker process's object graph."""
    check_crm_settings(settings)
    check_whatsapp_settings(settings)
    endpoint = telegram_endpoint(settings)
    if endpoint is None and not settings.whatsapp_enabled:
        raise RuntimeError(
            "no channel configured: set SERVICEBOT_TELEGRAM_TOKEN or the SERVICEBOT_WHATSAPP_* "
            "settings (or run in development mode, which uses the local Bot API stand-in)"
        )
    async with open_resources(settings) as res, AsyncExitStack() as stack:
        senders: dict[Channel, Sender] = {}
        if endpoint is not None:
            bot = telegram_bot(*endpoint)
            await connect_telegram_bot(bot)
            stack.push_async_callback(bot.shutdown)
            senders[Channel.TELEGRAM] = TelegramSender(bot)
        wa = whatsapp(settings, res.http, res.redis, res.keys, res.sessions)
        if wa is not None:
            senders[Channel.WHATSAPP] = wa.sender
        store = SqlConversationStore(res.sessions)
        orders = order_provider(settings, res.sessions, res.http)
        outbox = crm_outbox(settings, res.redis, res.keys)
        engine = Engine(
            store=store,
            reader=message_reader(
                settings, res.nlu, res.faq, res.rasa.model_name, TrainingSets(res.sessions)
            ),
            faq=res.faq,
            orders=orders,
            handoffs=SqlHandoffDesk(res.sessions),
            business_hours=business_hours(settings),
            languages=LanguageDetector(),
            senders=senders,
            redis=res.redis,
            keys=res.keys,
            config=EngineConfig(
                verification_ttl=settings.order_verification_ttl_seconds,
                lock_seconds=settings.conversation_lock_seconds,
                sent_marker_ttl=settings.dedup_ttl_seconds,
            ),
            agents=agent_actions(settings, res.sessions, senders, outbox, res.redis, res.keys),
            crm=outbox,
            statuses=DeliveryStatuses(store, {Channel.WHATSAPP: wa.sender} if wa else {}),
            media=wa.vault if wa else None,
            privacy_desk=privacy_service(
                settings, res.sessions, res.redis, res.keys, orders, outbox
            ),
        )
        await engine.prepare()
        queue = InboundQueue(
            res.redis,
            res.keys,
            settings.dedup_ttl_seconds,
            settings.stream_max_length,
            turn_seconds=settings.conversation_lock_seconds,
        )
        consumer = f"{socket.gethostname()}-{os.getpid()}"
        yield WorkerProcess(
            Worker(
                queue,
                engine,
                consumer=consumer,
                claim_idle_ms=int(settings.worker_claim_idle_seconds * 1000),
            ),
            crm_dispatcher(settings, outbox, res.http, res.sessions, orders, consumer),
            retention=retention_job(settings, res.sessions, res.redis, res.keys),
        )
