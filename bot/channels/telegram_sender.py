"""Sends replies through python-telegram-bot's Bot, with our markup rendered as HTML."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.errors import DeliveryError
from bot.messages import Reply

_BOLD = re.compile(r"\*([^*\n]+)\*")
MAX_TEXT = 4096


def render_html(text: str) -> str:
    """Our *bold* markup as Telegram HTML, everything else escaped."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))[:MAX_TEXT]


def keyboard(reply: Reply) -> InlineKeyboardMarkup | ReplyKeyboardMarkup | None:
    """One inline button per row: readable on a phone. Sharing the phone number needs a reply
    keyboard instead (Telegram asks the customer to confirm; it disappears after use)."""
    if reply.share_phone_button:
        return ReplyKeyboardMarkup(
            [[KeyboardButton(reply.share_phone_button, request_contact=True)]],
            resize_keyboard=True,
            one_time_keyboard=True,
        )
    if not reply.buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.title, callback_data=b.payload)] for b in reply.buttons]
    )


class TelegramSender:
    """Sender adapter for the Bot API; the Bot's lifecycle is owned by the caller."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def send(self, chat_id: str, reply: Reply) -> str:
        """sendMessage; maps Bot API errors to DeliveryError."""
        try:
            sent = await self._bot.send_message(
                chat_id=int(chat_id),
                text=render_html(reply.text),
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard(reply),
            )
        except RetryAfter as exc:
            raise DeliveryError("telegram flood control", retry_after=_seconds(exc)) from exc
        except Forbidden as exc:  # blocked by the user, or the account is gone
            raise DeliveryError(f"telegram refused: {exc.message}", blocked=True) from exc
        except BadRequest as exc:
            raise DeliveryError(f"telegram refused: {exc.message}", permanent=True) from exc
        except (NetworkError, TelegramError) as exc:
            raise DeliveryError(f"telegram unreachable: {exc.message}") from exc
        return str(sent.message_id)

    async def acknowledge_button(self, callback_id: str) -> None:
        """answerCallbackQuery; a stale query (older than 15 min) is not worth a retry."""
        try:
            await self._bot.answer_callback_query(callback_id)
        except BadRequest:
            return
        except (NetworkError, TelegramError) as exc:
            raise DeliveryError(f"telegram unreachable: {exc.message}") from exc


def _seconds(exc: RetryAfter) -> float:
    value: int | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
