"""The conversation store port: who is writing, in which conversation, and the transcript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import Channel, InboundKind, InboundMessage, Reply


@dataclass(frozen=True, slots=True)
class ConversationState:
    """What the engine needs to know about a conversation before it answers."""

    conversation_id: int
    contact_id: int
    language: str | None  # remembered language of the contact, None until known
    mode: str  # "bot" or "agent"
    # No reply has reached the contact yet (new, or the first answer was cut off by a
    # crash): they get the first-contact notice.
    is_new_contact: bool


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the NLU made of an inbound message, kept in the transcript."""

    intent: str | None = None
    confidence: float | None = None
    action: str = ""  # the decision's action (nlu.decision.Action) when the NLU decided


def transcript_words(message: InboundMessage) -> tuple[str, str]:
    """What a customer's message says in the transcript, and its media reference: a button's
    words are its payload, while media and reactions carry a reference there."""
    if message.kind is InboundKind.MEDIA:
        return message.text, message.payload
    if message.kind is InboundKind.REACTION:
        return message.text, ""
    return message.text or message.payload, ""


@dataclass(frozen=True, slots=True)
class Delivered:
    """One of our messages whose delivery status just moved on."""

    conversation_id: int
    text: str
    language: str  # the contact's


# A status only moves forward; "failed" only replaces "sent" (or nothing yet).
STATUS_RANK = {"": 0, "sent": 1, "delivered": 2, "read": 3}


def advances(current: str, new: str) -> bool:
    """Whether a delivery status reported now moves the stored one forward."""
    if current == "failed":
        return False
    if new == "failed":
        return STATUS_RANK.get(current, 0) <= STATUS_RANK["sent"]
    return new in STATUS_RANK and STATUS_RANK[new] > STATUS_RANK.get(current, 0)


class ConversationStore(Protocol):
    """Contacts, conversations and transcripts; adapters: SQL and memory."""

    async def open(self, message: InboundMessage) -> ConversationState:
        """The open conversation for this message's chat, creating contact and conversation."""
        ...

    async def record_inbound(
        self, state: ConversationState, message: InboundMessage, understanding: Understanding
    ) -> None:
        """Add the customer's message to the transcript (idempotent per message id)."""
        ...

    async def record_outbound(
        self, state: ConversationState, reply: Reply, channel_message_id: str
    ) -> None:
        """Add a reply the channel accepted to the transcript."""
        ...

    async def record_delivery(
        self, channel: Channel, chat_id: str, channel_message_id: str, status: str, error: str
    ) -> Delivered | None:
        """The messenger's status of one of our messages (sent, delivered, read, failed),
        kept only if it moves the stored one forward; None if not ours or not forward."""
        ...

    async def remember_language(self, state: ConversationState, language: str) -> None:
        """Store the contact's language for the next conversation."""
        ...

    async def mark_blocked(self, message: InboundMessage) -> None:
        """The customer blocked the bot on this channel; stop writing to them."""
        ...
