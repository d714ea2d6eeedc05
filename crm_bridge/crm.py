"""The CRM bridge: where handed-over conversations go besides our own agent console.

The bot publishes what happens to a handoff (handed over with its context, the customer
wrote, closed) to a durable outbox; a dispatcher in the worker hands each event to the
configured `Crm` adapter (Chatwoot, a signed webhook) and retries until it is taken, so no
step is lost when the CRM is down. With the built-in console only, nothing is published."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from bot.messages import InboundKind, InboundMessage, split_media
from crm_bridge.context_packet import ContextPacket
from crm_bridge.handoff import Handoff


class CrmEventKind(StrEnum):
    """What the CRM is told."""

    HANDED_OVER = "handed_over"  # queued for people: the context packet goes with it
    CUSTOMER_WROTE = "customer_wrote"  # a message of the customer while people have the chat
    CLOSED = "closed"  # the customer withdrew, or the handoff was resolved on our side
    ERASED = "erased"  # the customer's data was erased here (bot/privacy.py): erase it there


@dataclass(frozen=True, slots=True)
class CrmEvent:
    """One step of a handoff for the CRM; `key` is unique per step (dedup on both sides)."""

    kind: CrmEventKind
    handoff_id: int
    key: str
    text: str = ""  # CUSTOMER_WROTE: the message; CLOSED: "cancelled" or "resolved"
    at: float = 0.0  # epoch seconds
    # ERASED: every erased handoff as (its id, the CRM's conversation id or "", the key of
    # its HANDED_OVER event): the handoffs are gone from our database by then, and SQLite
    # may give a later handoff the same id.
    erased: tuple[tuple[int, str, str], ...] = ()

    def to_json(self) -> str:
        """Serialise for the outbox stream."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str | bytes) -> CrmEvent:
        """Inverse of to_json."""
        data: dict[str, Any] = json.loads(raw)
        data["kind"] = CrmEventKind(data["kind"])
        data["erased"] = tuple(
            (int(h), str(ref), str(key)) for h, ref, key in data.get("erased", ())
        )
        return cls(**data)


def handoff_key(handoff_id: int, requested_at: datetime) -> str:
    """Unique even if the database restarted (or reused) its ids under a Redis that kept
    its keys."""
    return f"{handoff_id}@{int(requested_at.timestamp() * 1000)}"


def _handoff_key(handoff: Handoff) -> str:
    return handoff_key(handoff.id, handoff.requested_at)


def handed_over(handoff: Handoff, at: float) -> CrmEvent:
    """The event for a new handoff."""
    return CrmEvent(CrmEventKind.HANDED_OVER, handoff.id, f"handoff:{_handoff_key(handoff)}", at=at)


def customer_wrote(handoff: Handoff, message_key: str, text: str, at: float) -> CrmEvent:
    """The event for a customer's message while people have the conversation."""
    return CrmEvent(
        CrmEventKind.CUSTOMER_WROTE, handoff.id, f"message:{message_key}", text=text, at=at
    )


def customer_words(message: InboundMessage) -> str:
    """A customer's message as a CRM shows it."""
    if message.kind is InboundKind.TEXT:
        return message.text
    if message.kind is InboundKind.BUTTON:
        return f"[button: {message.payload}]"
    media = split_media(message.payload) if message.kind is InboundKind.MEDIA else None
    if media is not None:  # the file itself stays with us; agents open it in the console
        return f"[{media[0].value}] {message.text}".strip()
    return f"[{message.kind.value}]"  # a shared phone number stays in our database


def closed(handoff: Handoff, how: str, at: float) -> CrmEvent:
    """The event for a handoff that ended on our side ("cancelled" or "resolved")."""
    return CrmEvent(
        CrmEventKind.CLOSED, handoff.id, f"closed:{_handoff_key(handoff)}", text=how, at=at
    )


def erased(handoffs: Sequence[tuple[int, str, datetime]], at: float) -> CrmEvent:
    """The event for handoffs (id, CRM conversation id, requested at) whose conversations
    were erased with the customer's data."""
    listed = tuple(
        (handoff_id, ref, f"handoff:{handoff_key(handoff_id, requested)}")
        for handoff_id, ref, requested in handoffs
    )
    ids = "-".join(str(handoff_id) for handoff_id, _ref, _requested in handoffs)
    return CrmEvent(CrmEventKind.ERASED, 0, f"erased:{ids}@{int(at * 1000)}", at=at, erased=listed)


class CrmOutbox(Protocol):
    """Where handoff events wait for the CRM (Redis stream; nothing with the console only)."""

    async def publish(self, event: CrmEvent) -> None:
        """Queue the event once (publishing the same key again changes nothing)."""
        ...


class NoCrm:
    """The built-in agent console is the only place people work: nothing to tell."""

    async def publish(self, event: CrmEvent) -> None:
        """Nothing to do."""


class CrmEventsOfMessage:
    """The events handling one message causes, held until the message is in the transcript
    (the CRM builds its context from it), then published."""

    def __init__(self) -> None:
        self.events: list[CrmEvent] = []

    async def publish(self, event: CrmEvent) -> None:
        """Hold the event."""
        self.events.append(event)

    async def publish_to(self, outbox: CrmOutbox) -> None:
        """Pass the held events on, in order."""
        for event in self.events:
            await outbox.publish(event)


class CrmError(Exception):
    """The CRM did not take an event; `permanent` when retrying cannot help (a 4xx), and
    `retry_after` seconds when the CRM said how long to wait (a 429)."""

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class Crm(Protocol):
    """A CRM that people answer customers in; adapters in crm_bridge/adapters."""

    async def handed_over(self, packet: ContextPacket, event: CrmEvent) -> None:
        """Open the conversation there with the whole context. Raises CrmError."""
        ...

    async def customer_wrote(self, handoff: Handoff, event: CrmEvent) -> None:
        """Add the customer's new message there. Raises CrmError."""
        ...

    async def closed(self, handoff: Handoff, event: CrmEvent) -> None:
        """Close the conversation there. Raises CrmError."""
        ...

    async def erased(self, event: CrmEvent) -> None:
        """Erase the customer's copy there: the conversations of `event.erased` and the
        contact they belong to. Safe to repeat. Raises CrmError."""
        ...
