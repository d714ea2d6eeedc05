"""The composition root's Telegram part (with bot/app.py the only place that builds concrete
classes): the Bot API endpoint (real, or the development stand-in), python-telegram-bot's
client, and agents' Telegram in the web process."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import structlog
from telegram import Bot
from telegram.error import InvalidToken, NetworkError
from telegram.request import HTTPXRequest

from bot.channels.telegram_media import TelegramMedia
from bot.channels.telegram_sender import TelegramSender
from bot.devtools.telegram_standin import STANDIN_TOKEN
from bot.messages import Channel, Reply
from bot.settings import Settings
from crm_bridge.media import MediaFile

log = structlog.get_logger(__name__)
STANDIN_PATH = "/dev/telegram-api"


def telegram_endpoint(settings: Settings) -> tuple[str, str] | None:
    """Bot token and API base URL: the real ones, the dev stand-in's, or None (disabled)."""
    if settings.telegram_standin_enabled:
        return STANDIN_TOKEN, settings.effective_public_url + STANDIN_PATH
    token = settings.telegram_token.get_secret_value()
    return (token, settings.telegram_api_url.rstrip("/")) if token else None


def telegram_bot(token: str, api_url: str) -> Bot:
    """python-telegram-bot's client, pointed at the configured Bot API."""
    return Bot(
        token,
        base_url=f"{api_url}/bot",
        base_file_url=f"{api_url}/file/bot",
        request=HTTPXRequest(connection_pool_size=32),
    )


async def connect_telegram_bot(bot: Bot, wait_seconds: float = 60.0) -> None:
    """Initialise the Bot (getMe), waiting for the API: at start-up the dev stand-in lives in
    the web process, which may come up after the worker; Telegram itself may blip."""
    deadline = asyncio.get_running_loop().time() + wait_seconds
    delay = 0.2
    while True:
        try:
            await bot.initialize()
            return
        except InvalidToken:
            # PTB's own message contains the token; secrets never reach a log.
            raise RuntimeError("Telegram rejected SERVICEBOT_TELEGRAM_TOKEN") from None
        except NetworkError:
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the Telegram Bot API did not answer") from None
            log.warning("telegram_api_not_reachable_yet", retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


class StaffTelegram:
    """Agents' Telegram from the web process: their messages out, customers' files in.
    Connects on first use: in development the Bot API stand-in lives in this very process
    and answers only once it is serving."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot
        self._connected = asyncio.Lock()
        self._ready = False

    async def send(self, chat_id: str, reply: Reply) -> str:
        """Deliver one reply through the Bot API."""
        await self._connect()
        return await TelegramSender(self._bot).send(chat_id, reply)

    async def fetch(self, reference: str) -> MediaFile:
        """A customer's file by its file_id."""
        await self._connect()
        return await TelegramMedia(self._bot).fetch(reference)

    async def _connect(self) -> None:
        async with self._connected:
            if not self._ready:
                await connect_telegram_bot(self._bot, wait_seconds=10.0)
                self._ready = True


def staff_telegram(settings: Settings, stack: AsyncExitStack) -> dict[Channel, StaffTelegram]:
    """How agents reach customers (and see their files), per configured channel."""
    endpoint = telegram_endpoint(settings)
    if endpoint is None:
        return {}
    bot = telegram_bot(*endpoint)
    stack.push_async_callback(bot.shutdown)
    return {Channel.TELEGRAM: StaffTelegram(bot)}
