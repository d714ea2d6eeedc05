"""The composition root's privacy part (with bot/app.py the only place that builds concrete
classes): the export and erasure service, and the retention job of the worker."""

from __future__ import annotations

import redis.asyncio as aioredis

from bot.crm_outbox import RedisCrmOutbox
from bot.keys import Keys
from bot.privacy_service import PrivacyConfig, PrivacyService
from bot.retention import RetentionJob
from bot.settings import Settings
from bot.storage.database import SessionFactory
from bot.storage.privacy_store import SqlPersonalData
from crm_bridge.crm import CrmOutbox
from orders.ports import OrderProvider


def privacy_service(
    settings: Settings,
    sessions: SessionFactory,
    redis: aioredis.Redis,
    keys: Keys,
    orders: OrderProvider,
    outbox: CrmOutbox,
) -> PrivacyService:
    """Export and erasure across the database, Redis and (when one is configured) the CRM."""
    return PrivacyService(
        SqlPersonalData(sessions),
        redis=redis,
        keys=keys,
        orders=orders,
        crm=outbox if isinstance(outbox, RedisCrmOutbox) else None,
        config=PrivacyConfig(policy_url=settings.privacy_policy_url),
    )


def retention_job(
    settings: Settings, sessions: SessionFactory, redis: aioredis.Redis, keys: Keys
) -> RetentionJob:
    """Deletes conversations older than SERVICEBOT_RETENTION_DAYS, every interval."""
    return RetentionJob(
        SqlPersonalData(sessions),
        redis,
        keys,
        settings.retention_days,
        interval_seconds=settings.retention_interval_seconds,
    )
