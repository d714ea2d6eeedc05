"""WhatsApp Cloud API webhook payloads to our message model. One POST carries entries, each
with changes, each with messages and statuses; every one becomes an InboundMessage (a status
as InboundKind.STATUS, so it is applied in order with the conversation's messages)."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

import structlog

from bot.errors import PayloadError
from bot.messages import Channel, InboundKind, InboundMessage, MediaType

log = structlog.get_logger(__name__)
MAX_TIMESTAMP_DIGITS = 11  # up to the year 5138
_MEDIA_TYPES = {
    "image": MediaType.PHOTO,
    "document": MediaType.DOCUMENT,
    "audio": MediaType.AUDIO,
    "video": MediaType.VIDEO,
}


def parse_webhook(data: Any, phone_number_id: str = "") -> list[InboundMessage]:
    """Every message and status of a webhook call, for our phone number (all numbers when
    `phone_number_id` is empty). Raises PayloadError for a body of the wrong shape."""
    if not isinstance(data, dict) or data.get("object") != "whatsapp_business_account":
        raise PayloadError('expected {"object": "whatsapp_business_account", "entry": [...]}')
    found: list[InboundMessage] = []
    for entry in _objects(data.get("entry"), "entry"):
        for change in _objects(entry.get("changes"), "entry.changes"):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue  # template reviews, account updates...: not ours to answer
            metadata = value.get("metadata")
            number = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if phone_number_id and number != phone_number_id:
                continue
            names = _names(value.get("contacts"))
            for message in _objects(value.get("messages"), "messages"):
                found += _kept(partial(_message, message, names), "message")
            for status in _objects(value.get("statuses"), "statuses"):
                found += _kept(partial(_status, status), "status")
    return found


def _kept(parse: Callable[[], InboundMessage], what: str) -> list[InboundMessage]:
    """One item of a batch, or none if it is malformed: refusing the whole batch would make
    Meta retry it for days and keep the good messages in it from us."""
    try:
        return [parse()]
    except PayloadError as error:
        log.warning("whatsapp_item_skipped", item=what, reason=str(error))
        return []


def _objects(value: Any, where: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise PayloadError(f"{where} must be a list of objects")
    return value


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise PayloadError(f"{where} must be a non-empty string")
    return value


def _names(contacts: Any) -> dict[str, str]:
    """wa_id -> profile name (decoration: anything malformed is skipped)."""
    names = {}
    for contact in contacts if isinstance(contacts, list) else []:
        profile = contact.get("profile") if isinstance(contact, dict) else None
        name = profile.get("name") if isinstance(profile, dict) else None
        if isinstance(name, str) and isinstance(contact.get("wa_id"), str):
            names[contact["wa_id"]] = name
    return names


def _timestamp(value: Any) -> float:
    """Meta's Unix seconds; 0.0 (unknown) for anything else, also for "²" (a digit to
    str.isdigit, not to float) and for more digits than any clock reaches (the window's
    expiry and the transcript's dates would overflow)."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit():
        return 0.0
    return float(value) if len(value) <= MAX_TIMESTAMP_DIGITS else 0.0


def _message(message: dict[str, Any], names: dict[str, str]) -> InboundMessage:
    sender = _string(message.get("from"), "messages.from")
    message_id = _string(message.get("id"), "messages.id")
    kind, text, payload = _content(message)
    return InboundMessage(
        channel=Channel.WHATSAPP,
        message_id=message_id,
        chat_id=sender,
        user_id=sender,
        kind=kind,
        text=text,
        payload=payload,
        display_name=names.get(sender, ""),
        callback_id=message_id,  # acknowledged by marking it as read
        received_at=_timestamp(message.get("timestamp")),
    )


def _content(message: dict[str, Any]) -> tuple[InboundKind, str, str]:
    """(kind, text, payload) of one message by its type."""
    kind = message.get("type", "")
    if not isinstance(kind, str):
        raise PayloadError("messages.type must be a string")
    body = message.get(kind)
    body = body if isinstance(body, dict) else {}
    if kind == "text":
        return InboundKind.TEXT, _text(body.get("body")), ""
    if kind == "interactive":
        reply = body.get(str(body.get("type")))  # button_reply or list_reply
        reply_id = reply.get("id") if isinstance(reply, dict) else None
        if not isinstance(reply_id, str) or not reply_id:
            return InboundKind.UNSUPPORTED, "", ""  # e.g. a WhatsApp Flows answer
        return InboundKind.BUTTON, "", reply_id
    if kind == "button":  # a template's quick-reply button
        payload = body.get("payload") or body.get("text")
        return InboundKind.BUTTON, "", _string(payload, "button.payload")
    if kind in _MEDIA_TYPES:
        media = _MEDIA_TYPES[kind]
        if kind == "audio" and body.get("voice") is True:
            media = MediaType.VOICE
        media_id = _string(body.get("id"), f"{kind}.id")
        return InboundKind.MEDIA, _text(body.get("caption", "")), f"{media}:{media_id}"
    if kind == "reaction":
        # An emoji on one of our messages; an empty one takes a reaction back.
        return InboundKind.REACTION, _text(body.get("emoji", "")), _text(body.get("message_id", ""))
    if kind == "location":
        where = ", ".join(str(body[k]) for k in ("name", "address") if body.get(k))
        return InboundKind.UNSUPPORTED, f"[location] {where}".strip(), ""
    if kind == "contacts":
        return InboundKind.UNSUPPORTED, "[contact card]", ""  # someone's card verifies nobody
    return InboundKind.UNSUPPORTED, "", ""  # stickers, "unsupported", polls, what comes next


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise PayloadError("text fields must be strings")
    return value


def _status(status: dict[str, Any]) -> InboundMessage:
    """A delivery status of one of our messages (a STATUS message of that chat)."""
    message_id = _string(status.get("id"), "statuses.id")
    state = _string(status.get("status"), "statuses.status")
    recipient = _string(status.get("recipient_id"), "statuses.recipient_id")
    errors = [
        {"code": error.get("code"), "title": str(error.get("title", ""))}
        for error in _objects(status.get("errors"), "statuses.errors")
    ]
    detail = {"id": message_id, "status": state, "errors": errors}
    return InboundMessage(
        channel=Channel.WHATSAPP,
        message_id=f"status:{message_id}:{state}",
        chat_id=recipient,
        user_id=recipient,
        kind=InboundKind.STATUS,
        payload=json.dumps(detail),
        received_at=_timestamp(status.get("timestamp")),
    )
