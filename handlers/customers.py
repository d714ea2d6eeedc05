"""Who the contact is: the customer they were verified as in this conversation, or (WhatsApp)
the customer whose phone number they write from."""

from __future__ import annotations

from handlers.context import HandlerContext
from orders.model import Customer
from orders.ports import OrderSystemUnavailableError
from orders.verification import VerificationState


async def verified_customer(context: HandlerContext) -> Customer | None:
    """The customer the contact is verified as, if any (None too when the order system is
    down: nothing depends on it but the queue order)."""
    try:
        return await customer_of(await context.verification.load(), context)
    except OrderSystemUnavailableError:
        return None


async def customer_of(state: VerificationState, context: HandlerContext) -> Customer | None:
    """Who the contact is verified as: earlier in this conversation, or (WhatsApp) by the
    phone number they write from."""
    if state.verified_customer:
        return await context.orders.customer(state.verified_customer)
    if context.sender_phone:
        return await context.orders.customer_by_phone(context.sender_phone)
    return None
