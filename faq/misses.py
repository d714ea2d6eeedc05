"""The misses inbox: what customers asked that the bot did not settle (a fallback, a
clarifying question, a hand-off) and the answers agents flagged as wrong, grouped by
similar wording so an admin can turn a group into a topic or add it to one as examples."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.storage.audit import record
from bot.storage.database import SessionFactory
from bot.storage.models import (
    AnswerFlagRecord,
    Contact,
    Conversation,
    Message,
    MissResolutionRecord,
    as_utc,
)

MISSED_ACTIONS = ("fallback", "clarify", "handoff")
WINDOW_DAYS = 30
SIMILAR = 0.45  # cosine of character trigrams: above it, two messages ask the same
_WORD = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Miss:
    """One customer message the bot did not settle."""

    message_id: int
    text: str
    language: str
    outcome: str  # "fallback", "clarify", "handoff" or "flagged"
    at: datetime
    flagged_by: str = ""
    bot_answer: str = ""  # for a flagged answer: what the bot said


@dataclass(frozen=True, slots=True)
class MissGroup:
    """Messages that ask about the same thing, the most frequent wording first."""

    misses: tuple[Miss, ...]

    @property
    def label(self) -> str:
        """The wording that stands for the group."""
        return self.misses[0].text

    @property
    def message_ids(self) -> tuple[int, ...]:
        """The group's messages."""
        return tuple(miss.message_id for miss in self.misses)

    @property
    def outcomes(self) -> dict[str, int]:
        """How often each outcome occurs in the group."""
        return dict(Counter(miss.outcome for miss in self.misses))

    @property
    def language(self) -> str:
        """The language most of the group wrote in."""
        return Counter(miss.language for miss in self.misses).most_common(1)[0][0]

    def examples(self) -> tuple[str, ...]:
        """The distinct wordings, as example phrasings for the model."""
        seen: dict[str, str] = {}
        for miss in self.misses:
            seen.setdefault(" ".join(miss.text.casefold().split()), " ".join(miss.text.split()))
        return tuple(seen.values())


def _trigrams(text: str) -> Counter[str]:
    padded = f" {' '.join(_WORD.findall(text.casefold()))} "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    shared = sum(a[gram] * b[gram] for gram in a.keys() & b.keys())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return shared / norm if norm else 0.0


def group_misses(misses: Sequence[Miss], similar: float = SIMILAR) -> list[MissGroup]:
    """Greedy single pass: each message joins the first group whose first message it is
    similar to, else starts one; biggest groups first, newest first within a group."""
    groups: list[tuple[Counter[str], list[Miss]]] = []
    for miss in sorted(misses, key=lambda m: m.at, reverse=True):
        grams = _trigrams(miss.text)
        for head, members in groups:
            if _cosine(head, grams) >= similar:
                members.append(miss)
                break
        else:
            groups.append((grams, [miss]))
    ordered = sorted(groups, key=lambda group: len(group[1]), reverse=True)
    return [MissGroup(tuple(members)) for _head, members in ordered]


class SqlMisses:
    """The misses inbox on the transcript tables."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def open_misses(self, now: datetime | None = None) -> list[Miss]:
        """Unresolved misses and flagged answers of the last WINDOW_DAYS days."""
        since = (now or datetime.now(UTC)) - timedelta(days=WINDOW_DAYS)
        resolved = select(MissResolutionRecord.message_id)
        async with self._sessions() as session:
            rows = await session.execute(
                select(
                    Message.id, Message.text, Message.action, Message.created_at, Contact.language
                )
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(
                    Message.direction == "in",
                    Message.action.in_(MISSED_ACTIONS),
                    Message.created_at >= since,
                    Message.id.not_in(resolved),
                )
            )
            misses = [
                Miss(row.id, row.text, row.language or "de", row.action, as_utc(row.created_at))
                for row in rows
                if row.text.strip()
            ]
            return misses + await self._flagged(session, since)

    async def group_of(self, message_ids: Collection[int]) -> MissGroup | None:
        """The open misses among these ids as one group (the one a form showed), or None
        when none of them is open any more."""
        wanted = set(message_ids)
        misses = [miss for miss in await self.open_misses() if miss.message_id in wanted]
        return group_misses(misses, similar=0.0)[0] if misses else None

    async def _flagged(self, session: AsyncSession, since: datetime) -> list[Miss]:
        answer = aliased(Message)
        flags = await session.execute(
            select(AnswerFlagRecord.agent, answer.id, answer.text, answer.conversation_id)
            .join(answer, answer.id == AnswerFlagRecord.message_id)
            .where(AnswerFlagRecord.created_at >= since)
        )
        found = []
        for flag in flags:
            asked = await session.execute(  # the customer's message the answer answered
                select(Message.id, Message.text, Message.created_at, Contact.language)
                .join(Conversation, Conversation.id == Message.conversation_id)
                .join(Contact, Contact.id == Conversation.contact_id)
                .where(
                    Message.conversation_id == flag.conversation_id,
                    Message.direction == "in",
                    Message.id < flag.id,
                    Message.id.not_in(select(MissResolutionRecord.message_id)),
                )
                .order_by(Message.id.desc())
                .limit(1)
            )
            row = asked.first()
            if row is not None and row.text.strip():
                found.append(
                    Miss(
                        row.id,
                        row.text,
                        row.language or "de",
                        "flagged",
                        as_utc(row.created_at),
                        flagged_by=flag.agent,
                        bot_answer=flag.text,
                    )
                )
        return found

    async def resolve(self, message_ids: Sequence[int], actor: str, outcome: str) -> None:
        """Take these messages out of the inbox, recording what became of them."""
        async with self._sessions.begin() as session:
            for message_id in sorted(set(message_ids)):
                existing = await session.get(MissResolutionRecord, message_id)
                if existing is None and await session.get(Message, message_id) is not None:
                    session.add(
                        MissResolutionRecord(
                            message_id=message_id, resolved_by=actor, outcome=outcome[:80]
                        )
                    )
            details = {"messages": len(set(message_ids)), "outcome": outcome[:80]}
            record(session, actor, "faq.misses_resolved", "faq:misses", details)

    async def flag(self, conversation_id: int, message_id: int, agent: str) -> bool:
        """An agent marks the bot's answer as wrong; False if it is no bot answer of that
        conversation. Flagging twice changes nothing."""
        async with self._sessions.begin() as session:
            answer = await session.get(Message, message_id)
            if (
                answer is None
                or answer.conversation_id != conversation_id
                or answer.direction != "out"
                or answer.kind == "agent"
            ):
                return False
            flagged = await session.scalar(
                select(AnswerFlagRecord).where(AnswerFlagRecord.message_id == message_id)
            )
            if flagged is None:
                session.add(AnswerFlagRecord(message_id=message_id, agent=agent))
                record(session, agent, "faq.answer_flagged", f"message:{message_id}")
            return True
