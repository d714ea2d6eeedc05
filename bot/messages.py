"""The one internal message model: platform payloads never leave bot/channels."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any

# WhatsApp's customer service window: a business may write freely this long after the
# customer's last message, later only with an approved template.
WHATSAPP_REPLY_WINDOW = timedelta(hours=24)


class Channel(StrEnum):
    """Messengers we speak."""

    TELEGRAM = "telegram"
    WHATSAPP = "whatsapp"


class InboundKind(StrEnum):
    """What happened in the chat: mostly what the customer did, or (STAFF_*) what a person
    did in a CRM, queued in the same stream so it keeps its place in the conversation."""

    TEXT = "text"
    BUTTON = "button"  # pressed an inline button; payload holds its data
    UNSUPPORTED = "unsupported"  # photo, sticker, voice... answered politely
    CONTACT = "contact"  # shared their own phone number (payload; empty: someone else's)
    BLOCKED = "blocked"  # the customer blocked the bot: no reply possible
    MEDIA = "media"  # a photo, document, voice message... (payload "type:reference", text
    #                 the caption); kept for the agent, who can open it in the console
    REACTION = "reaction"  # an emoji on one of our messages (text; empty: taken back)
    STATUS = "status"  # WhatsApp: sent/delivered/read/failed of one of our messages (payload)
    STAFF_TEXT = "staff_text"  # a person wrote in the CRM (payload: handoff id)
    STAFF_RESOLVED = "staff_resolved"  # a person resolved the conversation in the CRM


class MediaType(StrEnum):
    """Kinds of media a customer can send that an agent may open."""

    PHOTO = "photo"
    DOCUMENT = "document"
    VOICE = "voice"
    AUDIO = "audio"
    VIDEO = "video"


def split_media(payload: str) -> tuple[MediaType, str] | None:
    """("photo", reference) from a MEDIA message's payload; None if it is not one."""
    kind, _, reference = payload.partition(":")
    if kind not in {media.value for media in MediaType} or not reference:
        return None
    return MediaType(kind), reference


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One customer action, normalised from any channel."""

    channel: Channel
    message_id: str  # unique per channel: the dedup key
    chat_id: str  # where replies go
    user_id: str
    kind: InboundKind
    text: str = ""
    payload: str = ""
    language_hint: str | None = None
    display_name: str = ""
    callback_id: str | None = None  # Telegram: must be answered with answerCallbackQuery
    received_at: float = 0.0

    @property
    def conversation_key(self) -> str:
        """Stable key of the conversation this message belongs to."""
        return f"{self.channel.value}:{self.chat_id}"

    def to_json(self) -> str:
        """Serialise for the inbound stream."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> InboundMessage:
        """Inverse of to_json."""
        data: dict[str, Any] = json.loads(raw)
        data["channel"] = Channel(data["channel"])
        data["kind"] = InboundKind(data["kind"])
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Button:
    """A quick-reply button; payload comes back as an InboundKind.BUTTON message."""

    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One outgoing message. Text uses *bold* and plain lines; channels render it."""

    text: str
    buttons: tuple[Button, ...] = field(default_factory=tuple)
    # Title of a button that shares the customer's own phone number, where the channel has
    # one (Telegram); empty: none. Replaces the buttons on such channels.
    share_phone_button: str = ""
    language: str = ""  # de or en, for what a channel adds (WhatsApp's list button, templates)
