"""PersonalData over the memory conversation store and handoff desk, for unit tests of the
engine and the privacy handlers. In memory a contact is known by (channel, user id) and a
conversation by (channel, chat id): in a private chat both ids are the same."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.memory_conversations import MemoryConversationStore
from bot.messages import Channel
from bot.privacy import (
    ErasedHandoff,
    ErasedRecords,
    StoredContact,
    StoredConversation,
    StoredHandoff,
    StoredMessage,
    Subject,
)
from crm_bridge.adapters.memory_handoffs import MemoryHandoffDesk
from crm_bridge.handoff import HandoffState

OPEN = (HandoffState.QUEUED, HandoffState.AGENT)


@dataclass(frozen=True, slots=True)
class AuditLine:
    """What the SQL adapter writes to the audit log."""

    actor: str
    action: str
    target: str


@dataclass
class MemoryPersonalData:
    """The personal data the memory store and desk hold."""

    store: MemoryConversationStore
    desk: MemoryHandoffDesk
    audit: list[AuditLine] = field(default_factory=list)

    async def export(self, subject: Subject, actor: str) -> tuple[StoredContact, ...]:
        """Every contact the subject names, with their conversation."""
        contacts = tuple(self._contact(key) for key in self._contact_keys(subject))
        self.audit.append(AuditLine(actor, "privacy.exported", f"privacy:{subject.by}"))
        return contacts

    async def customer_numbers(self, subject: Subject) -> tuple[str, ...]:
        """Customer numbers the subject's handoffs name."""
        conversations = {self.store.conversations.get(key) for key in self._contact_keys(subject)}
        numbers = {
            h.request.customer_number
            for h in self.desk.handoffs.values()
            if h.request.conversation_id in conversations and h.request.customer_number
        }
        return tuple(sorted(numbers))

    async def erase(self, subject: Subject, actor: str) -> ErasedRecords:
        """Forget the subject's contacts, conversations, transcript lines and handoffs."""
        keys = self._contact_keys(subject)
        conversation_ids = {
            self.store.conversations.pop(k) for k in keys if k in self.store.conversations
        }
        messages = [t for t in self.store.transcript if t.conversation_id in conversation_ids]
        self.store.transcript[:] = [
            t for t in self.store.transcript if t.conversation_id not in conversation_ids
        ]
        handoffs = [
            h for h in self.desk.handoffs.values() if h.request.conversation_id in conversation_ids
        ]
        for handoff in handoffs:
            del self.desk.handoffs[handoff.id]
            self.desk.recorded.pop(handoff.id, None)
        for key in keys:
            contact_id = self.store.contacts.pop(key, None)
            if contact_id is not None:
                self.store.languages.pop(contact_id, None)
                self.store.blocked.discard(contact_id)
        self.audit.append(AuditLine(actor, "privacy.erased", f"privacy:{subject.by}"))
        return ErasedRecords(
            contacts=len(keys),
            conversations=len(conversation_ids),
            messages=len(messages),
            chats=tuple(sorted(keys)),
            user_ids=tuple(sorted(keys)),
            handoffs=tuple(
                ErasedHandoff(h.id, h.crm_ref, h.state in OPEN, h.requested_at) for h in handoffs
            ),
        )

    def _contact_keys(self, subject: Subject) -> list[tuple[str, str]]:
        """The known (channel, user id) pairs the subject names."""
        wanted = (
            (Channel.WHATSAPP.value, subject.phone)
            if subject.phone
            else (subject.channel, subject.chat_id)
        )
        return [wanted] if wanted in self.store.contacts else []

    def _contact(self, key: tuple[str, str]) -> StoredContact:
        contact_id = self.store.contacts[key]
        conversation_id = self.store.conversations.get(key)
        messages = tuple(
            StoredMessage(None, t.direction, "text", t.text)
            for t in self.store.transcript
            if t.conversation_id == conversation_id
        )
        handoffs = tuple(
            StoredHandoff(
                h.requested_at,
                h.state.value,
                h.request.reason.value,
                h.request.order_id,
                h.request.customer_number,
                self.desk.ratings.get(h.id),
            )
            for h in self.desk.handoffs.values()
            if h.request.conversation_id == conversation_id
        )
        conversations = (
            (StoredConversation(key[0], key[1], None, None, messages, handoffs),)
            if conversation_id is not None
            else ()
        )
        return StoredContact(
            display_name="",
            language=self.store.languages.get(contact_id),
            blocked_bot=contact_id in self.store.blocked,
            created_at=None,
            identities=(key,),
            conversations=conversations,
        )
