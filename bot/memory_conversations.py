"""ConversationStore in memory, for unit tests of the engine."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from bot.conversations import (
    ConversationState,
    Delivered,
    Understanding,
    advances,
    transcript_words,
)
from bot.messages import Channel, InboundMessage, Reply


@dataclass
class TranscriptLine:
    """One recorded message."""

    conversation_id: int
    direction: str
    message_id: str
    text: str
    intent: str | None = None
    status: str = ""
    error: str = ""


@dataclass
class MemoryConversationStore:
    """Contacts keyed by (channel, user id), one open conversation per chat."""

    contacts: dict[tuple[str, str], int] = field(default_factory=dict)
    languages: dict[int, str] = field(default_factory=dict)
    conversations: dict[tuple[str, str], int] = field(default_factory=dict)
    transcript: list[TranscriptLine] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    replied: set[int] = field(default_factory=set)  # contacts a reply of ours reached
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def open(self, message: InboundMessage) -> ConversationState:
        """The open conversation for this message's chat, creating contact and conversation."""
        contact_key = (message.channel.value, message.user_id)
        is_new = contact_key not in self.contacts
        contact_id = self.contacts.setdefault(contact_key, next(self._ids))
        self.blocked.discard(contact_id)  # whoever writes to us has unblocked us
        conversation_id = self.conversations.setdefault(
            (message.channel.value, message.chat_id), next(self._ids)
        )
        notice_owed = is_new or contact_id not in self.replied
        return ConversationState(
            conversation_id, contact_id, self.languages.get(contact_id), "bot", notice_owed
        )

    async def record_inbound(
        self, state: ConversationState, message: InboundMessage, understanding: Understanding
    ) -> None:
        """Add the customer's message to the transcript (idempotent per message id)."""
        self._append_once(
            TranscriptLine(
                state.conversation_id,
                "in",
                message.message_id,
                transcript_words(message)[0],
                understanding.intent,
            )
        )

    async def record_outbound(
        self, state: ConversationState, reply: Reply, channel_message_id: str
    ) -> None:
        """Add a reply the channel accepted to the transcript (once, however often asked)."""
        self.replied.add(state.contact_id)
        self._append_once(
            TranscriptLine(state.conversation_id, "out", channel_message_id, reply.text)
        )

    def _append_once(self, line: TranscriptLine) -> None:
        """Like the SQL adapter's constraints: one line per conversation, direction and
        channel message id, and none for a conversation that is gone (erased)."""
        if line.conversation_id not in self.conversations.values():
            return
        key = (line.conversation_id, line.direction, line.message_id)
        if all((t.conversation_id, t.direction, t.message_id) != key for t in self.transcript):
            self.transcript.append(line)

    async def record_delivery(
        self, channel: Channel, chat_id: str, channel_message_id: str, status: str, error: str
    ) -> Delivered | None:
        """Move the message's status forward (never back)."""
        conversation = self.conversations.get((channel.value, chat_id))
        for line in self.transcript:
            if (line.conversation_id, line.direction, line.message_id) == (
                conversation,
                "out",
                channel_message_id,
            ):
                if not advances(line.status, status):
                    return None
                line.status, line.error = status, error
                return Delivered(line.conversation_id, line.text, "de")
        return None

    async def remember_language(self, state: ConversationState, language: str) -> None:
        """Store the contact's language for the next conversation."""
        self.languages[state.contact_id] = language

    async def mark_blocked(self, message: InboundMessage) -> None:
        """The customer blocked the bot on this channel; stop writing to them."""
        contact_id = self.contacts.get((message.channel.value, message.user_id))
        if contact_id is not None:
            self.blocked.add(contact_id)
