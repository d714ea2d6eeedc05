"""The composition root's CRM part (with bot/app.py the only place that builds concrete
classes): the outbox, the adapter and its dispatcher, what people do, and the CRM's
webhooks, as `SERVICEBOT_CRM` chooses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp
import redis.asyncio as aioredis
from aiohttp import web

from bot.crm_outbox import RedisCrmOutbox
from bot.inbound_queue import InboundQueue
from bot.keys import Keys
from bot.messages import Channel
from bot.retention import RetentionJob
from bot.senders import ReplySender
from bot.settings import Settings
from bot.storage.database import SessionFactory
from bot.worker import Worker
from crm_bridge.adapters.chatwoot import ChatwootConfig, ChatwootCrm
from crm_bridge.adapters.signed_webhook import SignedWebhookCrm
from crm_bridge.adapters.sql_handoffs import SqlHandoffDesk
from crm_bridge.adapters.sql_history import SqlConversationHistory
from crm_bridge.agent_actions import AgentActions
from crm_bridge.crm import Crm, CrmOutbox, NoCrm
from crm_bridge.crm_webhooks import CrmWebhooks
from crm_bridge.dispatcher import CrmDispatcher
from orders.ports import OrderProvider


def check_crm_settings(settings: Settings) -> None:
    """Refuse to start with a CRM chosen but not configured (say what is missing)."""
    problems = settings.crm_problems()
    if problems:
        raise RuntimeError(f"SERVICEBOT_CRM={settings.crm}: " + "; ".join(problems))


def crm_outbox(settings: Settings, redis: aioredis.Redis, keys: Keys) -> CrmOutbox:
    """The Redis outbox when a CRM is configured; with the console alone, nothing."""
    if settings.crm == "console":
        return NoCrm()
    return RedisCrmOutbox(redis, keys, settings.dedup_ttl_seconds, settings.stream_max_length)


def crm_adapter(settings: Settings, http: aiohttp.ClientSession, sessions: SessionFactory) -> Crm:
    """The configured CRM (not for "console")."""
    if settings.crm == "chatwoot":
        config = ChatwootConfig(
            base_url=settings.chatwoot_url,
            account_id=settings.chatwoot_account_id,
            inbox_id=settings.chatwoot_inbox_id,
            api_token=settings.chatwoot_api_token.get_secret_value(),
            note_language=settings.crm_note_language,
            teams=settings.chatwoot_teams,
        )
        return ChatwootCrm(http, config, SqlHandoffDesk(sessions))
    if settings.crm == "webhook":
        return SignedWebhookCrm(
            http, settings.crm_webhook_url, settings.crm_webhook_secret.get_secret_value()
        )
    raise ValueError(f"no CRM adapter for {settings.crm!r}")


def agent_actions(
    settings: Settings,
    sessions: SessionFactory,
    senders: Mapping[Channel, ReplySender],
    outbox: CrmOutbox,
    redis: aioredis.Redis,
    keys: Keys,
) -> AgentActions:
    """Replies and resolves of people, into the customers' messengers."""
    return AgentActions(
        desk=SqlHandoffDesk(sessions),
        history=SqlConversationHistory(sessions),
        senders=senders,
        outbox=outbox,
        redis=redis,
        keys=keys,
        sent_marker_ttl=settings.dedup_ttl_seconds,
    )


@dataclass(frozen=True, slots=True)
class WorkerProcess:
    """The worker's loops: the inbound stream, with a CRM the CRM outbox, and the retention
    purge."""

    worker: Worker
    dispatcher: CrmDispatcher | None = None
    retention: RetentionJob | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Run them all until `stop` is set."""
        loops = [self.worker.run(stop)]
        if self.dispatcher is not None:
            loops.append(self.dispatcher.run(stop))
        if self.retention is not None:
            loops.append(self.retention.run(stop))
        await asyncio.gather(*loops)


def crm_dispatcher(
    settings: Settings,
    outbox: CrmOutbox,
    http: aiohttp.ClientSession,
    sessions: SessionFactory,
    orders: OrderProvider,
    consumer: str,
) -> CrmDispatcher | None:
    """The dispatcher of the CRM outbox (None with the console alone)."""
    if not isinstance(outbox, RedisCrmOutbox):
        return None
    return CrmDispatcher(
        outbox.stream,
        crm_adapter(settings, http, sessions),
        desk=SqlHandoffDesk(sessions),
        history=SqlConversationHistory(sessions),
        orders=orders,
        consumer=consumer,
        claim_idle_ms=int(settings.worker_claim_idle_seconds * 1000),
    )


def add_crm_webhooks(
    app: web.Application,
    settings: Settings,
    parts: Callable[[], tuple[InboundQueue, SessionFactory]],
) -> None:
    """The CRM's callback route, when one is configured."""
    if settings.crm == "console":
        return

    def webhooks() -> CrmWebhooks:
        queue, sessions = parts()
        return CrmWebhooks(
            queue,
            SqlHandoffDesk(sessions),
            SqlConversationHistory(sessions),
            chatwoot_token=settings.chatwoot_webhook_token.get_secret_value(),
            webhook_secret=settings.crm_webhook_secret.get_secret_value(),
        )

    async def chatwoot(request: web.Request) -> web.StreamResponse:
        return await webhooks().chatwoot(request)

    async def signed(request: web.Request) -> web.StreamResponse:
        return await webhooks().signed(request)

    if settings.crm == "chatwoot":
        app.router.add_post("/webhooks/chatwoot/{token}", chatwoot)
    else:
        app.router.add_post("/webhooks/crm", signed)
