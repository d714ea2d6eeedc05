"""HandoffDesk on SQLAlchemy: the handoffs table, and the conversation's mode kept in step
in the same transaction (the console and analytics read it)."""

from __future__ import annotations

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import SessionFactory
from bot.storage.models import (
    Conversation,
    HandoffEventRecord,
    HandoffRecord,
    as_utc,
    utcnow,
)
from crm_bridge.handoff import (
    EventKind,
    Handoff,
    HandoffEvent,
    HandoffReason,
    HandoffRequest,
    HandoffState,
    tier_rank,
)

OPEN = (HandoffState.QUEUED.value, HandoffState.AGENT.value)


def _handoff(row: HandoffRecord) -> Handoff:
    request = HandoffRequest(
        conversation_id=row.conversation_id,
        requested_by=row.requested_by,
        reason=HandoffReason(row.reason),
        language=row.language,
        callback=row.callback,
        order_id=row.order_id,
        customer_number=row.customer_number,
        tier=row.tier,
    )
    state = HandoffState(row.state)
    requested_at = as_utc(row.requested_at)
    return Handoff(row.id, request, state, row.position, requested_at, row.agent, row.crm_ref)


class SqlHandoffDesk:
    """Handoffs in the database."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def request(self, request: HandoffRequest) -> Handoff:
        """Queue the conversation, or return its open handoff."""
        async with self._sessions.begin() as session:
            existing = await self._open(session, request.conversation_id)
            if existing is not None:
                return _handoff(existing)
            now, rank = utcnow(), tier_rank(request.tier)
            ahead = await session.scalar(
                select(func.count()).where(
                    HandoffRecord.state == HandoffState.QUEUED.value,
                    or_(
                        HandoffRecord.tier_rank < rank,
                        and_(HandoffRecord.tier_rank == rank, HandoffRecord.requested_at <= now),
                    ),
                )
            )
            row = HandoffRecord(
                conversation_id=request.conversation_id,
                state=HandoffState.QUEUED.value,
                reason=request.reason.value,
                language=request.language,
                callback=request.callback,
                order_id=request.order_id,
                customer_number=request.customer_number,
                tier=request.tier,
                tier_rank=rank,
                position=(ahead or 0) + 1,
                requested_by=request.requested_by,
                requested_at=now,
            )
            session.add(row)
            await self._set_mode(session, request.conversation_id, HandoffState.QUEUED)
            await session.flush()
            session.add(HandoffEventRecord(handoff_id=row.id, kind=EventKind.REQUESTED, at=now))
            return _handoff(row)

    async def open_handoff(self, conversation_id: int) -> Handoff | None:
        """The queued or claimed handoff of the conversation."""
        async with self._sessions() as session:
            row = await self._open(session, conversation_id)
            return _handoff(row) if row else None

    async def cancel(self, conversation_id: int) -> bool:
        """Queued -> back to the bot."""
        async with self._sessions.begin() as session:
            row = await self._open(session, conversation_id)
            if row is None or row.state != HandoffState.QUEUED.value:
                return False
            row.state = HandoffState.CANCELLED.value
            await self._set_mode(session, conversation_id, HandoffState.BOT)
            session.add(HandoffEventRecord(handoff_id=row.id, kind=EventKind.CANCELLED))
            return True

    async def claim(self, handoff_id: int, agent: str) -> bool:
        """Queued -> an agent's (one agent wins if two click at once)."""
        return await self._advance(
            handoff_id,
            HandoffState.QUEUED,
            HandoffState.AGENT,
            HandoffEventRecord(handoff_id=handoff_id, kind=EventKind.CLAIMED, agent=agent),
            agent=agent,
            claimed_at=utcnow(),
        )

    async def transfer(self, handoff_id: int, from_agent: str, to_agent: str) -> bool:
        """An agent's -> a colleague's (only from the agent who has it)."""
        async with self._sessions.begin() as session:
            moved = await session.execute(
                update(HandoffRecord)
                .where(
                    HandoffRecord.id == handoff_id,
                    HandoffRecord.state == HandoffState.AGENT.value,
                    HandoffRecord.agent == from_agent,
                )
                .values(agent=to_agent)
                .returning(HandoffRecord.id)
            )
            if moved.scalar_one_or_none() is None:
                return False
            session.add(
                HandoffEventRecord(
                    handoff_id=handoff_id, kind=EventKind.TRANSFERRED, agent=to_agent
                )
            )
            return True

    async def resolve(self, handoff_id: int) -> bool:
        """An agent's -> resolved; the bot answers the conversation again."""
        return await self._advance(
            handoff_id,
            HandoffState.AGENT,
            HandoffState.RESOLVED,
            HandoffEventRecord(handoff_id=handoff_id, kind=EventKind.RESOLVED),
            resolved_at=utcnow(),
        )

    async def queue(self) -> list[Handoff]:
        """Queued, by tier then waiting time."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(HandoffRecord)
                .where(HandoffRecord.state == HandoffState.QUEUED.value)
                .order_by(HandoffRecord.tier_rank, HandoffRecord.requested_at, HandoffRecord.id)
            )
            return [_handoff(row) for row in rows]

    async def get(self, handoff_id: int) -> Handoff | None:
        """One handoff in whatever state."""
        async with self._sessions() as session:
            row = await session.get(HandoffRecord, handoff_id)
            return _handoff(row) if row else None

    async def claimed_by(self, agent: str) -> list[Handoff]:
        """An agent's conversations, longest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(HandoffRecord)
                .where(
                    HandoffRecord.state == HandoffState.AGENT.value, HandoffRecord.agent == agent
                )
                .order_by(HandoffRecord.requested_at, HandoffRecord.id)
            )
            return [_handoff(row) for row in rows]

    async def agent_replied(self, handoff_id: int, agent: str) -> None:
        """An AGENT_REPLIED event."""
        async with self._sessions.begin() as session:
            session.add(
                HandoffEventRecord(handoff_id=handoff_id, kind=EventKind.AGENT_REPLIED, agent=agent)
            )

    async def rate(self, conversation_id: int, stars: int) -> bool:
        """Stars on the last resolved handoff, once."""
        async with self._sessions.begin() as session:
            last = await session.scalar(
                select(HandoffRecord.id)
                .where(
                    HandoffRecord.conversation_id == conversation_id,
                    HandoffRecord.state == HandoffState.RESOLVED.value,
                )
                .order_by(HandoffRecord.id.desc())
                .limit(1)
            )
            rated = await session.execute(
                update(HandoffRecord)
                .where(HandoffRecord.id == last, HandoffRecord.rating.is_(None))
                .values(rating=stars)
                .returning(HandoffRecord.agent)
            )
            agent = rated.scalar_one_or_none()
            if agent is None:
                return False
            session.add(
                HandoffEventRecord(handoff_id=last, kind=EventKind.RATED, agent=agent, stars=stars)
            )
            return True

    async def events(self, handoff_id: int) -> list[HandoffEvent]:
        """The handoff's events, oldest first."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(HandoffEventRecord)
                .where(HandoffEventRecord.handoff_id == handoff_id)
                .order_by(HandoffEventRecord.at, HandoffEventRecord.id)
            )
            return [
                HandoffEvent(EventKind(row.kind), as_utc(row.at), row.agent, row.stars)
                for row in rows
            ]

    async def link_crm(self, handoff_id: int, crm_ref: str) -> None:
        """Store the CRM's conversation id on the handoff."""
        async with self._sessions.begin() as session:
            await session.execute(
                update(HandoffRecord).where(HandoffRecord.id == handoff_id).values(crm_ref=crm_ref)
            )

    async def by_crm_ref(self, crm_ref: str) -> Handoff | None:
        """The latest handoff linked to that CRM conversation."""
        if not crm_ref:
            return None
        async with self._sessions() as session:
            row = await session.scalar(
                select(HandoffRecord)
                .where(HandoffRecord.crm_ref == crm_ref)
                .order_by(HandoffRecord.id.desc())
                .limit(1)
            )
            return _handoff(row) if row else None

    async def _advance(
        self,
        handoff_id: int,
        before: HandoffState,
        after: HandoffState,
        event: HandoffEventRecord,
        **values: object,
    ) -> bool:
        """Move a handoff on only from the state it must be in (one UPDATE, so of two
        concurrent clicks one wins), the conversation's mode with it, and record it."""
        async with self._sessions.begin() as session:
            moved = await session.execute(
                update(HandoffRecord)
                .where(HandoffRecord.id == handoff_id, HandoffRecord.state == before.value)
                .values(state=after.value, **values)
                .returning(HandoffRecord.conversation_id)
            )
            conversation_id = moved.scalar_one_or_none()
            if conversation_id is None:
                return False
            mode = HandoffState.BOT if after is HandoffState.RESOLVED else after
            await self._set_mode(session, conversation_id, mode)
            session.add(event)
            return True

    async def _open(self, session: AsyncSession, conversation_id: int) -> HandoffRecord | None:
        return await session.scalar(
            select(HandoffRecord)
            .where(HandoffRecord.conversation_id == conversation_id, HandoffRecord.state.in_(OPEN))
            .order_by(HandoffRecord.id.desc())
            .limit(1)
        )

    async def _set_mode(
        self, session: AsyncSession, conversation_id: int, mode: HandoffState
    ) -> None:
        await session.execute(
            update(Conversation).where(Conversation.id == conversation_id).values(mode=mode.value)
        )
