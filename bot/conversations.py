"""The conversation store port: who is writing, in which conversation, and the transcript."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from bot.messages import InboundMessage, Reply


@dataclass(frozen=True, slots=True)
class ConversationState:
    """What the engine needs to know about a conversation before it answers."""

    conversation_id: int
    contact_id: int
    language: str | None  # remembered language of the contact, None until known
    mode: str  # "bot" or "agent"
    is_new_contact: bool


@dataclass(frozen=True, slots=True)
class Understanding:
    """What the NLU made of an inbound message, kept in the transcript."""

    intent: str | None = None
    confidence: float | None = None


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

    async def remember_language(self, state: ConversationState, language: str) -> None:
        """Store the contact's language for the next conversation."""
        ...

    async def mark_blocked(self, message: InboundMessage) -> None:
        """The customer blocked the bot on this channel; stop writing to them."""
        ...
