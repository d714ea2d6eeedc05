"""What we store about a customer as chat messages they can read: their contact, the
customer accounts they were verified as, every conversation line by line, and the dialogue
state, split into messages a messenger takes (Telegram and WhatsApp: 4096 characters)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.messages import Reply
from bot.privacy import DataExport, StoredContact, StoredConversation, StoredMessage
from handlers.texts import TEXTS, text

PART_LENGTH = 3500  # characters of a part, leaving room for its title
MAX_LINE = 600  # one long message is shortened in the summary
MAX_PARTS = 15  # more would flood the chat; the rest is offered another way
CHANNEL_NAMES = {"telegram": "Telegram", "whatsapp": "WhatsApp"}
TIME_FORMATS = {"de": "%d.%m.%Y %H:%M", "en": "%Y-%m-%d %H:%M"}


def summary(exported: DataExport, language: str, timezone: str, policy_url: str) -> list[Reply]:
    """The export as one or more replies, each titled with its part number."""
    if exported.is_empty:
        return [Reply(text("privacy_export_empty", language))]
    zone = ZoneInfo(timezone)
    lines = [
        text("privacy_export_intro", language).format(at=_at(exported.exported_at, language, zone))
    ]
    for contact in exported.contacts:
        lines += _contact(contact, language)
    for customer in exported.customers:
        lines += [
            "",
            f"*{text('privacy_export_customer', language)}*",
            f"• {customer.number} · {customer.company}",
            *(
                f"• {value}"
                for value in (customer.contact_name, customer.email, customer.phone)
                if value
            ),
        ]
    for state in exported.state.values():
        verified = state.get("verification", {}).get("verified_customer")
        if verified:
            lines += ["", text("privacy_export_verified", language).format(number=verified)]
    for contact in exported.contacts:
        for conversation in contact.conversations:
            lines += _conversation(conversation, language, zone)
    parts = _pack(lines)
    if len(parts) > MAX_PARTS:
        parts = parts[:MAX_PARTS]
        parts[-1] += "\n\n" + text("privacy_export_truncated", language).format(
            policy_url=policy_url
        )
    title = text("privacy_export_title", language)
    return [
        Reply(f"{title} ({i}/{len(parts)})\n{part}" if len(parts) > 1 else f"{title}\n{part}")
        for i, part in enumerate(parts, start=1)
    ]


def is_export_part(message_text: str) -> bool:
    """Whether one of our messages is part of an earlier export (not repeated in the next)."""
    titles = TEXTS["privacy_export_title"].values()
    return any(message_text.startswith(title) for title in titles)


def _contact(contact: StoredContact, language: str) -> list[str]:
    lines = ["", f"*{text('privacy_export_contact', language)}*"]
    if contact.display_name:
        lines.append(f"• {text('privacy_export_name', language)}: {contact.display_name}")
    if contact.language:
        lines.append(f"• {text('privacy_export_language', language)}: {contact.language}")
    for channel, external_id in contact.identities:
        lines.append(f"• {CHANNEL_NAMES.get(channel, channel)}: {external_id}")
    if contact.blocked_bot:
        lines.append(f"• {text('privacy_export_blocked', language)}")
    return lines


def _conversation(conversation: StoredConversation, language: str, zone: ZoneInfo) -> list[str]:
    started = _at(conversation.started_at, language, zone)
    heading = text("privacy_export_conversation", language).format(
        channel=CHANNEL_NAMES.get(conversation.channel, conversation.channel), started=started
    )
    lines = ["", f"*{heading.strip()}*"]
    lines += [_message(m, language, zone) for m in conversation.messages]
    for handoff in conversation.handoffs:
        line = text("privacy_export_handoff", language).format(
            at=_at(handoff.requested_at, language, zone),
            reason=_named("reason", handoff.reason, language),
        )
        if handoff.rating is not None:
            line += " " + text("privacy_export_rating", language).format(stars=handoff.rating)
        lines.append(f"• {line}")
    return lines


def _message(message: StoredMessage, language: str, zone: ZoneInfo) -> str:
    if message.direction == "in":
        who = text("privacy_export_you", language)
    elif message.kind == "agent":
        who = text("privacy_export_agent", language)
    else:
        who = text("privacy_export_bot", language)
    words = message.text.replace("\n", " ").strip()
    if message.direction == "out" and is_export_part(message.text):
        words = f"[{text('privacy_export_earlier', language)}]"
    elif message.media:
        kind = _named("media", message.media.partition(":")[0], language)
        words = f"[{kind}] {words}".strip()
    if len(words) > MAX_LINE:
        words = words[: MAX_LINE - 1] + "…"
    when = _at(message.at, language, zone)
    return f"{when} {who}: {words}".strip()


def _named(what: str, value: str, language: str) -> str:
    """A reason or media kind in the customer's words (the value itself if we have none)."""
    key = f"privacy_{what}_{value}"
    return text(key, language) if key in TEXTS else value


def _at(moment: datetime | None, language: str, zone: ZoneInfo) -> str:
    if moment is None:
        return ""
    return moment.astimezone(zone).strftime(TIME_FORMATS.get(language, TIME_FORMATS["de"]))


def _pack(lines: list[str]) -> list[str]:
    """Lines into parts of at most PART_LENGTH characters, never splitting a line."""
    parts: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + 1 + len(line) > PART_LENGTH:
            parts.append(current.strip("\n"))
            current = ""
        current = f"{current}\n{line}" if current else line
    if current.strip():
        parts.append(current.strip("\n"))
    return parts
