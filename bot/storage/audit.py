"""The audit log: who changed what, when. Written in the transaction of the change it
records, so a change without its entry (or an entry without its change) cannot exist."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import SessionFactory
from bot.storage.models import AuditRecord, as_utc


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded action of a staff member (or of the system, as "system")."""

    at: datetime
    actor: str
    action: str  # e.g. "faq.draft_saved", "faq.published"
    target: str  # what it was done to, e.g. "faq:shipping_costs"
    details: Mapping[str, Any]


def record(
    session: AsyncSession,
    actor: str,
    action: str,
    target: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Add an entry to the session's transaction (no personal data in `details`)."""
    session.add(AuditRecord(actor=actor, action=action, target=target, details=dict(details or {})))


class AuditLog:
    """Reads the audit log, newest first."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def recent(
        self, limit: int = 100, offset: int = 0, target_prefix: str = ""
    ) -> tuple[list[AuditEntry], int]:
        """A page of entries (optionally only targets starting with `target_prefix`) and how
        many there are in all."""
        query = select(AuditRecord)
        count = select(func.count()).select_from(AuditRecord)
        if target_prefix:
            query = query.where(AuditRecord.target.startswith(target_prefix, autoescape=True))
            count = count.where(AuditRecord.target.startswith(target_prefix, autoescape=True))
        async with self._sessions() as session:
            total = int(await session.scalar(count) or 0)
            rows = await session.scalars(
                query.order_by(AuditRecord.id.desc()).limit(limit).offset(offset)
            )
            return [
                AuditEntry(as_utc(row.at), row.actor, row.action, row.target, row.details)
                for row in rows
            ], total
