"""HandoffDesk in memory: for unit tests of the engine and handlers."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

from crm_bridge.handoff import (
    EventKind,
    Handoff,
    HandoffEvent,
    HandoffRequest,
    HandoffState,
    tier_rank,
)

OPEN = (HandoffState.QUEUED, HandoffState.AGENT)


class MemoryHandoffDesk:
    """Handoffs in a dict by id."""

    def __init__(self) -> None:
        self.handoffs: dict[int, Handoff] = {}
        self.recorded: dict[int, list[HandoffEvent]] = {}
        self.ratings: dict[int, int] = {}
        self._ids = itertools.count(1)

    async def request(self, request: HandoffRequest) -> Handoff:
        """Queue the conversation, or return its open handoff."""
        existing = await self.open_handoff(request.conversation_id)
        if existing is not None:
            return existing
        now = datetime.now(UTC)
        ahead = [h for h in await self.queue() if _key(h) <= (tier_rank(request.tier), now)]
        handoff = Handoff(next(self._ids), request, HandoffState.QUEUED, len(ahead) + 1, now)
        self.handoffs[handoff.id] = handoff
        self.recorded[handoff.id] = [HandoffEvent(EventKind.REQUESTED, now)]
        return handoff

    async def open_handoff(self, conversation_id: int) -> Handoff | None:
        """The queued or claimed handoff of the conversation."""
        return next(
            (
                h
                for h in self.handoffs.values()
                if h.request.conversation_id == conversation_id and h.state in OPEN
            ),
            None,
        )

    async def cancel(self, conversation_id: int) -> bool:
        """Queued -> back to the bot."""
        handoff = await self.open_handoff(conversation_id)
        if handoff is None or handoff.state is not HandoffState.QUEUED:
            return False
        self.handoffs[handoff.id] = replace(handoff, state=HandoffState.CANCELLED)
        self._record(handoff.id, EventKind.CANCELLED)
        return True

    async def claim(self, handoff_id: int, agent: str) -> bool:
        """Queued -> an agent's."""
        handoff = self.handoffs.get(handoff_id)
        if handoff is None or handoff.state is not HandoffState.QUEUED:
            return False
        self.handoffs[handoff_id] = replace(handoff, state=HandoffState.AGENT, agent=agent)
        self._record(handoff_id, EventKind.CLAIMED, agent)
        return True

    async def transfer(self, handoff_id: int, from_agent: str, to_agent: str) -> bool:
        """An agent's -> a colleague's."""
        handoff = self.handoffs.get(handoff_id)
        if (
            handoff is None
            or handoff.state is not HandoffState.AGENT
            or handoff.agent != from_agent
        ):
            return False
        self.handoffs[handoff_id] = replace(handoff, agent=to_agent)
        self._record(handoff_id, EventKind.TRANSFERRED, to_agent)
        return True

    async def resolve(self, handoff_id: int) -> bool:
        """An agent's -> resolved."""
        handoff = self.handoffs.get(handoff_id)
        if handoff is None or handoff.state is not HandoffState.AGENT:
            return False
        self.handoffs[handoff_id] = replace(handoff, state=HandoffState.RESOLVED)
        self._record(handoff_id, EventKind.RESOLVED)
        return True

    async def queue(self) -> list[Handoff]:
        """Queued, by tier then waiting time."""
        queued = [h for h in self.handoffs.values() if h.state is HandoffState.QUEUED]
        return sorted(queued, key=_key)

    async def get(self, handoff_id: int) -> Handoff | None:
        """One handoff in whatever state."""
        return self.handoffs.get(handoff_id)

    async def claimed_by(self, agent: str) -> list[Handoff]:
        """An agent's conversations, longest first."""
        mine = [
            h for h in self.handoffs.values() if h.state is HandoffState.AGENT and h.agent == agent
        ]
        return sorted(mine, key=lambda h: h.requested_at)

    async def agent_replied(self, handoff_id: int, agent: str) -> None:
        """An AGENT_REPLIED event."""
        self._record(handoff_id, EventKind.AGENT_REPLIED, agent)

    async def rate(self, conversation_id: int, stars: int) -> bool:
        """Stars on the last resolved handoff, once."""
        resolved = [
            h
            for h in self.handoffs.values()
            if h.request.conversation_id == conversation_id and h.state is HandoffState.RESOLVED
        ]
        if not resolved or resolved[-1].id in self.ratings:
            return False
        last = resolved[-1]
        self.ratings[last.id] = stars
        self._record(last.id, EventKind.RATED, last.agent, stars)
        return True

    async def events(self, handoff_id: int) -> list[HandoffEvent]:
        """The handoff's events, oldest first."""
        return list(self.recorded.get(handoff_id, []))

    async def link_crm(self, handoff_id: int, crm_ref: str) -> None:
        """Store the CRM's conversation id on the handoff."""
        self.handoffs[handoff_id] = replace(self.handoffs[handoff_id], crm_ref=crm_ref)

    async def by_crm_ref(self, crm_ref: str) -> Handoff | None:
        """The latest handoff linked to that CRM conversation."""
        linked = [h for h in self.handoffs.values() if crm_ref and h.crm_ref == crm_ref]
        return max(linked, key=lambda h: h.id) if linked else None

    def _record(
        self, handoff_id: int, kind: EventKind, agent: str = "", stars: int | None = None
    ) -> None:
        event = HandoffEvent(kind, datetime.now(UTC), agent, stars)
        self.recorded.setdefault(handoff_id, []).append(event)


def _key(handoff: Handoff) -> tuple[int, datetime]:
    return tier_rank(handoff.request.tier), handoff.requested_at
