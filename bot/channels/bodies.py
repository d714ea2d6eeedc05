"""Reading a webhook's body: within a size limit (413 before anything is parsed), as strict
JSON (a reason for every refusal, never an exception), and what of it we can store."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from aiohttp import web

from bot.errors import PayloadError
from bot.messages import InboundMessage

_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyTooLargeError(Exception):
    """The body is larger than the webhook accepts."""


async def read_bounded(request: web.Request, max_bytes: int) -> bytes:
    """The raw body; BodyTooLargeError past `max_bytes` (checked before and after reading:
    the announced length may be missing or wrong)."""
    if (request.content_length or 0) > max_bytes:
        raise BodyTooLargeError
    try:
        body = await request.read()  # bounded by the app's client_max_size
    except web.HTTPRequestEntityTooLarge:
        raise BodyTooLargeError from None
    if len(body) > max_bytes:
        raise BodyTooLargeError
    return body


def _no_constant(name: str) -> None:
    raise PayloadError(f"body is not JSON: {name}")


def load_json(body: bytes) -> Any:
    """The JSON document of a body (RFC 8259: UTF-8, no NaN or Infinity); PayloadError with
    the reason otherwise. Unpaired surrogates (valid escapes, but no text) are refused too:
    they cannot be encoded for Redis or the database."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PayloadError("body is not JSON: not UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise PayloadError("body is not JSON: nested too deeply") from None
    except json.JSONDecodeError as error:
        raise PayloadError(f"body is not JSON: {error}") from None
    except ValueError:  # Python refuses to read integers of more than 4,300 digits
        raise PayloadError("body is not JSON: a number with too many digits") from None
    if _has_surrogate(data):
        raise PayloadError("body is not JSON: an unpaired surrogate in a string")
    return data


def _has_surrogate(data: Any) -> bool:
    """Whether any string of the document, key or value, holds a lone surrogate (a loop, not
    recursion: the document may be nested nearly as deep as the parser allows)."""
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if not value.isascii() and _SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value)
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


def storable(message: InboundMessage) -> InboundMessage:
    """The message without NUL characters: PostgreSQL cannot store them in text, and no
    messenger lets a person type one (everything else is kept as sent)."""
    return replace(
        message,
        message_id=_without_nul(message.message_id),
        chat_id=_without_nul(message.chat_id),
        user_id=_without_nul(message.user_id),
        text=_without_nul(message.text),
        payload=_without_nul(message.payload),
        language_hint=_optional(message.language_hint),
        display_name=_without_nul(message.display_name),
        callback_id=_optional(message.callback_id),
    )


def _without_nul(value: str) -> str:
    return value.replace("\x00", "")


def _optional(value: str | None) -> str | None:
    return None if value is None else _without_nul(value)
