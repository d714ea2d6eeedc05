"""The composition root's WhatsApp part (with bot/app.py the only place that builds
concrete classes): the webhook, the sender with its window and pacing, and the media."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
import redis.asyncio as aioredis

from bot.channels.whatsapp import WhatsAppWebhook
from bot.channels.whatsapp_client import GraphClient, GraphConfig
from bot.channels.whatsapp_media import WhatsAppMedia
from bot.channels.whatsapp_sender import TemplateConfig, WhatsAppSender
from bot.channels.whatsapp_window import CustomerWindow
from bot.inbound_queue import InboundQueue
from bot.keys import Keys
from bot.messages import Channel
from bot.pacing import Pacer
from bot.settings import Settings
from bot.storage.database import SessionFactory
from bot.storage.media_vault import SqlMediaVault


@dataclass(frozen=True, slots=True)
class WhatsApp:
    """What a process needs to write to WhatsApp customers and open their files."""

    sender: WhatsAppSender
    vault: SqlMediaVault
    window: CustomerWindow


def check_whatsapp_settings(settings: Settings) -> None:
    """Refuse to start with a WhatsApp number only half configured."""
    problems = settings.whatsapp_problems()
    if problems:
        raise RuntimeError("WhatsApp: " + "; ".join(problems))


def whatsapp(
    settings: Settings,
    http: aiohttp.ClientSession,
    redis: aioredis.Redis,
    keys: Keys,
    sessions: SessionFactory,
) -> WhatsApp | None:
    """The configured number's sender and media (None without a WhatsApp number)."""
    if not settings.whatsapp_enabled:
        return None
    client = GraphClient(
        http,
        GraphConfig(
            settings.whatsapp_api_url,
            settings.whatsapp_token.get_secret_value(),
            settings.whatsapp_phone_number_id,
        ),
    )
    window = CustomerWindow(redis, keys)
    sender = WhatsAppSender(
        client,
        window=window,
        pacer=Pacer(redis),
        keys=keys,
        phone_number_id=settings.whatsapp_phone_number_id,
        templates=TemplateConfig(
            settings.whatsapp_template_name, settings.whatsapp_template_languages
        ),
    )
    vault = SqlMediaVault(sessions, {Channel.WHATSAPP.value: WhatsAppMedia(client)})
    return WhatsApp(sender, vault, window)


def whatsapp_webhook(
    settings: Settings, queue: InboundQueue, window: CustomerWindow
) -> WhatsAppWebhook:
    """The handler of /webhooks/whatsapp."""
    return WhatsAppWebhook(
        queue,
        window,
        app_secret=settings.whatsapp_app_secret.get_secret_value(),
        verify_token=settings.whatsapp_verify_token.get_secret_value(),
        phone_number_id=settings.whatsapp_phone_number_id,
        max_body_bytes=settings.max_body_bytes,
    )
