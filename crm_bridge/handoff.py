"""The handoff state machine of a conversation: BOT -> QUEUED -> AGENT -> RESOLVED -> BOT.

Outside BOT the bot does not answer (the engine checks this in one place, before anything
is composed). Every transition is idempotent: a repeated request, claim or resolve changes
nothing, so redelivered messages and double clicks are harmless."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol


class HandoffState(StrEnum):
    """Who answers the conversation (stored as the conversation's mode)."""

    BOT = "bot"
    QUEUED = "queued"  # waiting for a person; the customer may cancel
    AGENT = "agent"  # a person owns the conversation
    RESOLVED = "resolved"  # the person is done; the bot answers again
    CANCELLED = "cancelled"  # (handoff records only) withdrawn by the customer while queued


class HandoffReason(StrEnum):
    """Why the bot handed over (shown to the agent, counted in analytics)."""

    REQUESTED = "requested"  # the customer asked for a person
    COMPLAINT = "complaint"
    ORDER_PROBLEM = "order_problem"  # late or damaged delivery of a named order
    ORDER_SYSTEM_DOWN = "order_system_down"
    ORDER_LOOKUP_FAILED = "order_lookup_failed"  # three wrong verification answers
    NOT_UNDERSTOOD = "not_understood"  # two messages in a row the bot could not answer
    BOT_UNAVAILABLE = "bot_unavailable"  # the NLU server did not answer: a person reads it


# Queue order: key accounts first, then B, then C, then customers not (yet) verified.
TIER_RANK = {"A": 0, "B": 1, "C": 2}


def tier_rank(tier: str) -> int:
    """Lower is served first."""
    return TIER_RANK.get(tier, len(TIER_RANK))


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """What the bot knows when it hands a conversation over."""

    conversation_id: int
    requested_by: str  # the inbound message that asked; handling it again answers the same
    reason: HandoffReason
    language: str
    callback: bool  # outside business hours: a person gets back to the customer
    order_id: str = ""
    customer_number: str = ""  # the verified customer, if any
    tier: str = ""


@dataclass(frozen=True, slots=True)
class Handoff:
    """One handover of a conversation to people."""

    id: int
    request: HandoffRequest
    state: HandoffState
    position: int  # place in the queue when requested (1: next)
    requested_at: datetime
    agent: str = ""
    crm_ref: str = ""  # the conversation's id in the CRM it was handed to, once opened there


class EventKind(StrEnum):
    """What happened to a handoff, recorded for analytics (agent time is measured from the
    handoff, never from the start of the conversation)."""

    REQUESTED = "requested"
    CLAIMED = "claimed"
    AGENT_REPLIED = "agent_replied"
    TRANSFERRED = "transferred"
    RESOLVED = "resolved"
    CANCELLED = "cancelled"  # by the customer while queued
    RATED = "rated"  # the customer's 1-5 stars after the handoff was resolved


@dataclass(frozen=True, slots=True)
class HandoffEvent:
    """One recorded step of a handoff."""

    kind: EventKind
    at: datetime
    agent: str = ""
    stars: int | None = None


def time_to_first_reply(handoff: Handoff, events: Sequence[HandoffEvent]) -> timedelta | None:
    """From the handoff to the first message a person wrote (None while nobody has)."""
    replies = [event.at for event in events if event.kind is EventKind.AGENT_REPLIED]
    return min(replies) - handoff.requested_at if replies else None


class HandoffDesk(Protocol):
    """Handoffs of all conversations; adapters: SQL (crm_bridge/adapters), memory (tests)."""

    async def request(self, request: HandoffRequest) -> Handoff:
        """Queue the conversation for a person; the open handoff if there is one already."""
        ...

    async def open_handoff(self, conversation_id: int) -> Handoff | None:
        """The conversation's queued or claimed handoff, if any."""
        ...

    async def cancel(self, conversation_id: int) -> bool:
        """The customer withdraws while still queued; False if nothing was queued."""
        ...

    async def claim(self, handoff_id: int, agent: str) -> bool:
        """An agent takes a queued conversation; False if it was not queued (any more)."""
        ...

    async def transfer(self, handoff_id: int, from_agent: str, to_agent: str) -> bool:
        """Hand a claimed conversation to a colleague; False unless `from_agent` has it."""
        ...

    async def resolve(self, handoff_id: int) -> bool:
        """The agent is done and the bot answers again; False unless an agent had it."""
        ...

    async def queue(self) -> list[Handoff]:
        """Queued handoffs in the order they are served: tier, then waiting time."""
        ...

    async def get(self, handoff_id: int) -> Handoff | None:
        """One handoff in whatever state."""
        ...

    async def claimed_by(self, agent: str) -> list[Handoff]:
        """The conversations an agent has now, longest first."""
        ...

    async def agent_replied(self, handoff_id: int, agent: str) -> None:
        """Record that the agent wrote to the customer."""
        ...

    async def rate(self, conversation_id: int, stars: int) -> bool:
        """The customer's rating of the conversation's last resolved handoff; False if there
        is none or it is rated already (a repeated button press changes nothing)."""
        ...

    async def events(self, handoff_id: int) -> list[HandoffEvent]:
        """Everything recorded for a handoff, oldest first."""
        ...

    async def link_crm(self, handoff_id: int, crm_ref: str) -> None:
        """Remember the handoff's conversation id in the CRM."""
        ...

    async def by_crm_ref(self, crm_ref: str) -> Handoff | None:
        """The handoff whose CRM conversation this is (the CRM's webhooks name only theirs)."""
        ...
