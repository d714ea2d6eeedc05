"""The context packet for a CRM: a note a person reads (Chatwoot's private note) and a JSON
document a program reads (the signed webhook). Same facts as the agent console shows."""

from __future__ import annotations

from typing import Any

from bot.web.templates import BUSINESS_TIMEZONE, local_time, plain, translate
from crm_bridge.context_packet import ContextPacket, TranscriptEntry
from orders.model import ORDER_STATUS_NAMES

SPEAKERS = {"in": "speaker.customer", "out": "speaker.bot", "note": "speaker.note"}


def summary_line(packet: ContextPacket, language: str) -> str:
    """Who, why, language and channel, as on top of the console's conversation page."""
    request = packet.handoff.request
    reason = translate(f"reason.{request.reason.value}", language)
    if request.order_id:
        reason = f"{reason} {request.order_id}"
    channel = translate(f"channel.{packet.conversation.channel}", language)
    return f"{packet.who} · {reason} · {request.language.upper()} · {channel}"


def note(packet: ContextPacket, language: str) -> str:
    """The whole packet as Markdown for a person in the CRM."""
    lines = [f"**{summary_line(packet, language)}**"]
    if packet.customer is not None:
        customer = packet.customer
        lines.append(
            translate(
                "crm.customer",
                language,
                company=customer.company,
                number=customer.number,
                tier=customer.tier,
                manager=customer.account_manager or "–",
                contact=customer.contact_name,
            )
        )
    for order in packet.recent_orders:
        status = ORDER_STATUS_NAMES[order.status.value].get(language, order.status.value)
        lines.append(f"• {order.order_id} ({order.created_at.isoformat()}): {status}")
    if packet.handoff.request.callback:
        lines.append(translate("crm.callback", language))
    closes = packet.reply_window_closes_at
    if closes is not None:
        until = f"{closes.astimezone(BUSINESS_TIMEZONE):%d.%m. %H:%M}"
        lines.append(translate("crm.window", language, until=until))
    lines.append("")
    lines.append(f"**{translate('conversation.transcript', language)}**")
    lines.extend(_line(entry, language) for entry in packet.transcript)
    return "\n".join(lines)


def document(packet: ContextPacket) -> dict[str, Any]:
    """The packet as JSON for a program."""
    request, customer = packet.handoff.request, packet.customer
    return {
        "handoff_id": packet.handoff.id,
        "summary": summary_line(packet, "en"),
        "reason": request.reason.value,
        "order_id": request.order_id or None,
        "language": request.language,
        "callback": request.callback,
        "queue_position": packet.handoff.position,
        "requested_at": packet.handoff.requested_at.isoformat(),
        "reply_window_closes_at": (
            packet.reply_window_closes_at.isoformat() if packet.reply_window_closes_at else None
        ),
        "channel": packet.conversation.channel,
        "chat_id": packet.conversation.chat_id,
        "display_name": packet.conversation.display_name,
        "customer": None
        if customer is None
        else {
            "number": customer.number,
            "company": customer.company,
            "contact_name": customer.contact_name,
            "tier": customer.tier,
            "account_manager": customer.account_manager or None,
        },
        "recent_orders": [
            {
                "order_id": order.order_id,
                "created_at": order.created_at.isoformat(),
                "status": order.status.value,
                "eta": order.eta.isoformat() if order.eta else None,
            }
            for order in packet.recent_orders
        ],
        "transcript": [
            {
                "direction": entry.direction,
                "kind": entry.kind,
                "text": entry.text,
                "intent": entry.intent,
                "confidence": entry.confidence,
                "at": entry.at.isoformat(),
                "media": entry.media.split(":")[0] if entry.media else None,
            }
            for entry in packet.transcript
        ],
    }


def _line(entry: TranscriptEntry, language: str) -> str:
    speaker = "speaker.agent" if entry.kind == "agent" else SPEAKERS.get(entry.direction, "")
    understood = ""
    if entry.direction == "in" and entry.intent:
        confidence = f" {entry.confidence:.2f}" if entry.confidence is not None else ""
        understood = f" _({entry.intent}{confidence})_"
    attached = f"[{entry.media.split(':')[0]}] " if entry.media else ""
    said = f"{attached}{plain(entry.text)}"
    return f"{local_time(entry.at)} {translate(speaker, language)}: {said}{understood}"
