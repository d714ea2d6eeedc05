"""Customers' rights over their data (GDPR Art. 15 and 17): what we store about a contact as
an export, and its erasure, asked for in the chat or by an administrator. The ports and the
data model; the service is bot/privacy_service.py, the database adapter
bot/storage/privacy_store.py, the memory adapter bot/memory_privacy.py."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

from bot.messages import Channel
from orders.model import Customer

DEFAULT_POLICY_URL = "https://www.kramer-wb.example/datenschutz"
DEFAULT_RETENTION_DAYS = 90
MIN_PHONE_DIGITS = 6
MAX_CHAT_ID = 64
CUSTOMER_ACTOR = "customer"  # the audit log's actor when customers ask in the chat themselves


@dataclass(frozen=True, slots=True)
class Subject:
    """Whose data: a chat on one channel (its contact with all their conversations), or a
    phone number (a WhatsApp contact, or a Telegram contact who shared it with us)."""

    channel: str = ""
    chat_id: str = ""
    phone: str = ""  # digits only

    @classmethod
    def of_chat(cls, channel: str, chat_id: str) -> Subject:
        """A chat; ValueError for an unknown channel or an empty or overlong chat id."""
        if channel not in {c.value for c in Channel}:
            raise ValueError(f"the channel is one of {', '.join(c.value for c in Channel)}")
        chat = chat_id.strip()
        if not chat or len(chat) > MAX_CHAT_ID:
            raise ValueError(f"a chat id has 1 to {MAX_CHAT_ID} characters")
        return cls(channel=channel, chat_id=chat)

    @classmethod
    def of_phone(cls, phone: str) -> Subject:
        """A phone number in any notation; ValueError if it has too few digits."""
        digits = re.sub(r"\D", "", phone).removeprefix("00")
        if len(digits) < MIN_PHONE_DIGITS or len(digits) > 15:
            raise ValueError(f"a phone number has {MIN_PHONE_DIGITS} to 15 digits")
        return cls(phone=digits)

    @property
    def by(self) -> str:
        """How the contact is found: "chat" or "phone" (for the audit log, never the value)."""
        return "phone" if self.phone else "chat"


@dataclass(frozen=True, slots=True)
class StoredMessage:
    """One message of a transcript."""

    at: datetime | None
    direction: str  # "in" (the customer), "out" (the bot or a person)
    kind: str  # text, button, contact, media, agent, ...
    text: str
    media: str = ""  # "photo:<reference>" for a file the customer sent


@dataclass(frozen=True, slots=True)
class StoredHandoff:
    """A handover of a conversation to people."""

    requested_at: datetime | None
    state: str
    reason: str
    order_id: str = ""
    customer_number: str = ""
    rating: int | None = None


@dataclass(frozen=True, slots=True)
class StoredNote:
    """An agent's internal note on a conversation."""

    at: datetime | None
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class StoredConversation:
    """One conversation with everything recorded in it."""

    channel: str
    chat_id: str
    started_at: datetime | None
    last_message_at: datetime | None
    messages: tuple[StoredMessage, ...] = ()
    handoffs: tuple[StoredHandoff, ...] = ()
    notes: tuple[StoredNote, ...] = ()


@dataclass(frozen=True, slots=True)
class StoredContact:
    """A contact: how they are known on each channel, and their conversations."""

    display_name: str
    language: str | None
    blocked_bot: bool
    created_at: datetime | None
    identities: tuple[tuple[str, str], ...]  # (channel, their id there)
    conversations: tuple[StoredConversation, ...] = ()


@dataclass(frozen=True, slots=True)
class DataExport:
    """Everything we store about a subject: database, dialogue state, customer accounts."""

    exported_at: datetime
    contacts: tuple[StoredContact, ...]
    customers: tuple[Customer, ...] = ()  # the customer accounts the contact was verified as
    state: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # Redis, per chat

    @property
    def is_empty(self) -> bool:
        """Nothing stored about the subject."""
        return not self.contacts

    def document(self) -> dict[str, Any]:
        """The export as JSON-ready data (timestamps as ISO 8601)."""
        document: dict[str, Any] = _jsonable(asdict(self))
        return document


@dataclass(frozen=True, slots=True)
class ErasedHandoff:
    """A handoff of an erased conversation, for telling the CRM."""

    handoff_id: int
    crm_ref: str  # the CRM's conversation id, "" if it never got there
    was_open: bool  # queued or with a person when it was erased
    requested_at: datetime  # with the id, names the handoff in the CRM


@dataclass(frozen=True, slots=True)
class ErasedRecords:
    """What an erasure removed from the database (counts only, and what the rest of the
    erasure needs: the chats' Redis state, the CRM's references)."""

    contacts: int = 0
    conversations: int = 0
    messages: int = 0
    media_files: int = 0
    chats: tuple[tuple[str, str], ...] = ()  # (channel, chat id) of the erased conversations
    user_ids: tuple[tuple[str, str], ...] = ()  # (channel, user id) of the erased contacts
    handoffs: tuple[ErasedHandoff, ...] = ()


@dataclass(frozen=True, slots=True)
class Erasure:
    """The outcome of an erasure, as staff and the customer are told (no personal data)."""

    contacts: int
    conversations: int
    messages: int
    media_files: int
    handoffs_closed: int  # open handoffs that ended with the erasure
    redis_entries: int  # keys and stream entries removed
    crm_told: bool  # the CRM was asked to erase its copy (queued in the CRM outbox)

    @property
    def found(self) -> bool:
        """Anything was stored about the subject."""
        return bool(self.contacts or self.conversations)


class PersonalData(Protocol):
    """The database's part: contacts, conversations, transcripts, handoffs, notes, files.
    Adapters: SQL, memory; both write the audit entry with the change."""

    async def export(self, subject: Subject, actor: str) -> tuple[StoredContact, ...]:
        """Every contact the subject names, with their conversations (audited)."""
        ...

    async def customer_numbers(self, subject: Subject) -> tuple[str, ...]:
        """Customer numbers the subject's handoffs name (verified at the time)."""
        ...

    async def erase(self, subject: Subject, actor: str) -> ErasedRecords:
        """Delete the subject's contacts with all their conversations (audited)."""
        ...


class ChatPrivacy(Protocol):
    """What a customer may ask about their own data in the chat they write from."""

    @property
    def policy_url(self) -> str:
        """The privacy policy the customer is pointed to."""
        ...

    async def export(self) -> DataExport:
        """What we store about the contact of this chat."""
        ...

    async def erase(self) -> Erasure:
        """Erase the contact of this chat everywhere (the message being answered is kept in
        the inbound stream until it is acknowledged)."""
        ...


class PrivacyDesk(Protocol):
    """Gives the engine a ChatPrivacy for the message it is answering."""

    def for_chat(self, channel: Channel, chat_id: str, message_id: str) -> ChatPrivacy:
        """Privacy requests of the customer writing in this chat."""
        ...


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value
