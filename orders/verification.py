"""Who may see which orders: the verification rules of one conversation, kept apart from
where they are stored (Redis, bot/verification_memory.py).

A contact is verified as one customer by the postal code of that customer (asked for an
order they name) or, on WhatsApp, by writing from the customer's phone number. Three wrong
postal codes lock verification for 15 minutes. Unknown orders and other customers' orders
get the same answer as a wrong postal code, so order numbers cannot be probed."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

MAX_FAILURES = 3
LOCK_SECONDS = 15 * 60


class Awaiting(StrEnum):
    """What the bot asked the customer for and expects next."""

    NOTHING = ""
    ORDER_ID = "order_id"
    POSTAL_CODE = "postal_code"


@dataclass(frozen=True, slots=True)
class VerificationState:
    """The order dialogue of one conversation."""

    verified_customer: str = ""  # customer number, once verified
    awaiting: Awaiting = Awaiting.NOTHING
    pending_order: str = ""  # the order the postal code is asked for
    failures: int = 0
    locked_until: float = 0.0  # epoch seconds

    def is_locked(self, now: float) -> bool:
        """Too many wrong answers recently."""
        return now < self.locked_until

    def asking_postal_code_for(self, order_id: str) -> VerificationState:
        """The bot asks for the postal code of the customer this order belongs to."""
        return replace(self, awaiting=Awaiting.POSTAL_CODE, pending_order=order_id)

    def asking_order_id(self) -> VerificationState:
        """The bot asks which order the customer means."""
        return replace(self, awaiting=Awaiting.ORDER_ID, pending_order="")

    def verified_as(self, customer_number: str) -> VerificationState:
        """Verified: remembered for the rest of the conversation."""
        return VerificationState(verified_customer=customer_number)

    def failed(self, now: float) -> VerificationState:
        """A wrong postal code (or an order that is not theirs); the third locks."""
        failures = self.failures + 1
        if failures >= MAX_FAILURES:
            return VerificationState(locked_until=now + LOCK_SECONDS)
        return replace(self, failures=failures)

    def done(self) -> VerificationState:
        """Nothing asked any more (verification, if any, stays)."""
        return replace(self, awaiting=Awaiting.NOTHING, pending_order="")


class VerificationMemory(Protocol):
    """The verification state of the conversation being handled, for the message being
    handled: handling the same message again after a crash sees the state it saw the first
    time, so the customer gets the same reply (which is then not sent twice)."""

    async def load(self) -> VerificationState:
        """The state before this message, or what handling it has saved so far."""
        ...

    async def save(self, state: VerificationState) -> None:
        """The state after this message."""
        ...
