"""What an agent sees when taking over: the whole transcript, what the bot understood and why
it handed over, the customer (company, tier, account manager) and their recent orders, with a
summary line on top, so that the customer never has to repeat themselves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.messages import WHATSAPP_REPLY_WINDOW
from crm_bridge.handoff import Handoff
from orders.model import Customer, Order
from orders.ports import OrderProvider, OrderSystemUnavailableError


@dataclass(frozen=True, slots=True)
class ConversationInfo:
    """Where and with whom the conversation is."""

    conversation_id: int
    channel: str
    chat_id: str
    display_name: str
    language: str
    last_customer_message_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class TranscriptEntry:
    """One message, with what the bot made of it (customer messages) or who wrote it."""

    direction: str  # "in" (customer), "out" (bot or agent) or "note" (staff only)
    kind: str  # text, button, contact, media, agent, note, ...
    text: str
    intent: str | None
    confidence: float | None
    at: datetime
    media: str = ""  # "photo:<reference>" when the customer sent a file (open_media fetches it)
    entry_id: int = 0  # to open its media in the console
    status: str = ""  # ours: the messenger's delivery status (sent, delivered, read, failed)
    error: str = ""  # why it failed


class ConversationHistory(Protocol):
    """Read access to conversations for the console, and the agent's replies into them."""

    async def conversation(self, conversation_id: int) -> ConversationInfo | None:
        """Channel, chat and contact of a conversation."""
        ...

    async def transcript(self, conversation_id: int) -> list[TranscriptEntry]:
        """Every message, oldest first."""
        ...

    async def record_agent_reply(
        self, conversation_id: int, text: str, channel_message_id: str
    ) -> None:
        """An agent's message, as the channel accepted it."""
        ...

    async def add_note(self, conversation_id: int, author: str, text: str) -> None:
        """An internal note: in the transcript for staff, never sent to the customer."""
        ...

    async def media_of(self, conversation_id: int, entry_id: int) -> str | None:
        """The media reference of one of the conversation's messages, if it has one."""
        ...


@dataclass(frozen=True, slots=True)
class ContextPacket:
    """Everything about a handed-over conversation, summary first."""

    handoff: Handoff
    conversation: ConversationInfo
    transcript: list[TranscriptEntry]
    customer: Customer | None
    recent_orders: list[Order]

    @property
    def reply_window_closes_at(self) -> datetime | None:
        """WhatsApp: until when a free-form reply may go (later, only the approved template);
        None on other channels."""
        last = self.conversation.last_customer_message_at
        if self.conversation.channel != "whatsapp" or last is None:
            return None
        return last + WHATSAPP_REPLY_WINDOW

    @property
    def who(self) -> str:
        """The summary line's subject: "Schreinerei Holzmann GmbH (A, Jonas Weber)", or the
        contact's name while they are not verified as a customer."""
        if self.customer is not None:
            manager = self.customer.account_manager
            details = f"{self.customer.tier}, {manager}" if manager else self.customer.tier
            return f"{self.customer.company} ({details})"
        return self.conversation.display_name or self.conversation.chat_id


async def build_context_packet(
    handoff: Handoff, history: ConversationHistory, orders: OrderProvider
) -> ContextPacket | None:
    """The packet for one handoff (None if its conversation is gone)."""
    info = await history.conversation(handoff.request.conversation_id)
    if info is None:
        return None
    transcript = await history.transcript(info.conversation_id)
    customer, recent = None, []
    number = handoff.request.customer_number
    try:
        customer = await orders.customer(number) if number else None
        recent = await orders.recent_orders(number) if number else []
    except OrderSystemUnavailableError:
        pass  # the agent still gets the conversation; the order system may come back
    return ContextPacket(handoff, info, transcript, customer, recent)
