"""Telegram webhook: verify, parse, normalise, dedup, enqueue, 200. Never calls the NLU."""

from __future__ import annotations

import hmac
import time
from typing import Any

import structlog
from aiohttp import web
from redis.exceptions import RedisError
from telegram import Message, PhotoSize, Update, User
from telegram.constants import ChatMemberStatus, ChatType

from bot.channels.bodies import BodyTooLargeError, load_json, read_bounded, storable
from bot.errors import PayloadError
from bot.inbound_queue import InboundQueue
from bot.messages import Channel, InboundKind, InboundMessage, MediaType

log = structlog.get_logger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)


def parse_update(data: Any) -> InboundMessage | None:
    """Normalise a Telegram update; None for update types we do not handle."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("update_id"), int)
        or isinstance(data["update_id"], bool)
    ):
        raise PayloadError("an update is a JSON object with an integer update_id")
    try:
        # PTB builds objects without checking JSON types; a wrong shape surfaces as any of these
        # (a "date" far outside the epoch range as OverflowError or OSError).
        update = Update.de_json(data, None)
        return _normalise(update) if update is not None else None
    except (TypeError, KeyError, ValueError, AttributeError, OverflowError, OSError) as exc:
        raise PayloadError(f"not a valid Telegram update: {exc}") from exc


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError("text fields must be strings")
    return value


def _optional(value: object) -> str | None:
    """Names and language codes are decoration: a wrong type is dropped, not fatal."""
    return value if isinstance(value, str) else None


def _name(user: User) -> str:
    parts = (_optional(user.first_name), _optional(user.last_name))
    return " ".join(part for part in parts if part)


def _normalise(update: Update) -> InboundMessage | None:
    message_id = str(update.update_id)
    if update.callback_query is not None:
        query = update.callback_query
        chat = query.message.chat if query.message is not None else None
        return InboundMessage(
            channel=Channel.TELEGRAM,
            message_id=message_id,
            chat_id=str(chat.id if chat else query.from_user.id),
            user_id=str(query.from_user.id),
            kind=InboundKind.BUTTON,
            payload=_text(query.data or ""),
            language_hint=_optional(query.from_user.language_code),
            display_name=_name(query.from_user),
            callback_id=_text(query.id),
            received_at=time.time(),
        )
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.new_chat_member.status != ChatMemberStatus.BANNED:  # "kicked"
            return None
        return InboundMessage(
            channel=Channel.TELEGRAM,
            message_id=message_id,
            chat_id=str(member.chat.id),
            user_id=str(member.from_user.id),
            kind=InboundKind.BLOCKED,
            received_at=time.time(),
        )
    message = update.message
    if message is None or message.chat.type != ChatType.PRIVATE or message.from_user is None:
        return None  # edits, channel posts, groups, polls...: acknowledged, not answered
    if message.contact is not None:
        # Only the sender's own number verifies them; a forwarded contact card verifies nobody.
        own = message.contact.user_id == message.from_user.id
        return InboundMessage(
            channel=Channel.TELEGRAM,
            message_id=message_id,
            chat_id=str(message.chat.id),
            user_id=str(message.from_user.id),
            kind=InboundKind.CONTACT,
            payload=_text(message.contact.phone_number) if own else "",
            language_hint=_optional(message.from_user.language_code),
            display_name=_name(message.from_user),
            received_at=time.time(),
        )
    media = _media(message)
    if media:
        kind, text = InboundKind.MEDIA, _text(message.caption or "")
    else:
        kind = InboundKind.TEXT if message.text else InboundKind.UNSUPPORTED
        text = _text(message.text or "")
    return InboundMessage(
        channel=Channel.TELEGRAM,
        message_id=message_id,
        chat_id=str(message.chat.id),
        user_id=str(message.from_user.id),
        kind=kind,
        text=text,
        payload=media,
        language_hint=_optional(message.from_user.language_code),
        display_name=_name(message.from_user),
        received_at=time.time(),
    )


def _media(message: Message) -> str:
    """ "photo:<file_id>" and the like for what an agent may want to see (the largest size
    of a photo); empty for text, stickers and the rest."""
    if message.photo:
        return f"{MediaType.PHOTO}:{_text(max(message.photo, key=_area).file_id)}"
    attachments = (
        (MediaType.DOCUMENT, message.document),
        (MediaType.VOICE, message.voice),
        (MediaType.AUDIO, message.audio),
        (MediaType.VIDEO, message.video),
        (MediaType.VIDEO, message.video_note),
    )
    for media_type, attachment in attachments:
        if attachment is not None:
            return f"{media_type}:{_text(attachment.file_id)}"
    return ""


def _area(size: PhotoSize) -> int:
    return int(size.width) * int(size.height)


class TelegramWebhook:
    """The aiohttp handler for POST /webhooks/telegram."""

    def __init__(self, queue: InboundQueue, secret_token: str, max_body_bytes: int) -> None:
        if not secret_token:
            raise ValueError("the Telegram webhook needs a secret token")
        self._queue = queue
        self._secret = secret_token.encode()
        self._max_body_bytes = max_body_bytes

    async def handle(self, request: web.Request) -> web.Response:
        """Answer fast: Telegram waits for us and redelivers anything that is not 2xx."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            return _error(401, "missing or wrong secret token")
        try:
            body = await read_bounded(request, self._max_body_bytes)
        except BodyTooLargeError:
            return _error(413, f"body larger than {self._max_body_bytes} bytes")
        try:
            message = parse_update(load_json(body))
        except PayloadError as exc:
            return _error(400, str(exc))
        if message is None:
            return web.json_response({"ok": True, "ignored": True})
        message = storable(message)
        try:
            fresh = await self._queue.accept(message)
        except RedisError:
            log.exception("enqueue_failed", channel="telegram")
            return _error(503, "temporarily unavailable, retry later")  # Telegram will retry
        log.info(
            "update_accepted" if fresh else "update_duplicate",
            channel="telegram",
            update=message.message_id,
            kind=message.kind.value,
        )
        return web.json_response({"ok": True, "duplicate": not fresh})


def _error(status: int, reason: str) -> web.Response:
    return web.json_response({"ok": False, "error": reason}, status=status)
