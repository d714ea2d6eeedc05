"""OrderProvider on SQLAlchemy: the default, holding the demo company's orders (or a
company's own, imported from its ERP's CSV export)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from sqlalchemy import delete, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.database import SessionFactory
from bot.storage.models import CustomerRecord, OrderRecord
from orders.model import Customer, Order, OrderStatus, normalise_phone
from orders.ports import OrderSystemUnavailableError


def _customer(row: CustomerRecord) -> Customer:
    return Customer(
        number=row.number,
        company=row.company,
        contact_name=row.contact_name,
        tier=row.tier,
        account_manager=row.account_manager,
        postal_code=row.postal_code,
        email=row.email,
        phone=row.phone,
        language=row.language,
    )


def _order(row: OrderRecord) -> Order:
    return Order(
        order_id=row.order_id,
        customer_number=row.customer_number,
        created_at=row.created_at,
        status=OrderStatus(row.status),
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        eta=row.eta,
        items=tuple(row.items),
        total_net_eur=row.total_net_eur,
    )


class SqlOrderProvider:
    """Orders and customers in the orders and customers tables."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    @asynccontextmanager
    async def _reading(self, what: str) -> AsyncIterator[AsyncSession]:
        """A session whose database errors reach callers as an unavailable order system."""
        try:
            async with self._sessions() as session:
                yield session
        except SQLAlchemyError as error:
            raise OrderSystemUnavailableError(f"{what} failed") from error

    async def order(self, order_id: str) -> Order | None:
        """The order, or None."""
        async with self._reading("order lookup") as session:
            row = await session.get(OrderRecord, order_id)
            return _order(row) if row else None

    async def customer(self, number: str) -> Customer | None:
        """The customer, or None."""
        async with self._reading("customer lookup") as session:
            row = await session.get(CustomerRecord, number)
            return _customer(row) if row else None

    async def customer_by_phone(self, phone: str) -> Customer | None:
        """The customer with this phone number, compared as digits."""
        digits = normalise_phone(phone)
        if not digits:
            return None
        async with self._reading("customer lookup") as session:
            row = await session.scalar(
                select(CustomerRecord).where(CustomerRecord.phone_digits == digits).limit(1)
            )
            return _customer(row) if row else None

    async def recent_orders(self, customer_number: str, limit: int = 5) -> list[Order]:
        """Newest first."""
        query = (
            select(OrderRecord)
            .where(OrderRecord.customer_number == customer_number)
            .order_by(OrderRecord.created_at.desc(), OrderRecord.order_id.desc())
            .limit(limit)
        )
        async with self._reading("order list") as session:
            return [_order(row) for row in await session.scalars(query)]

    async def is_empty(self) -> bool:
        """No customer loaded yet."""
        async with self._sessions() as session:
            return await session.scalar(select(CustomerRecord.number).limit(1)) is None

    async def replace_all(self, customers: Iterable[Customer], orders: Iterable[Order]) -> None:
        """Load a complete export: every customer and order, replacing what was there."""
        async with self._sessions() as session, session.begin():
            await session.execute(delete(OrderRecord))
            await session.execute(delete(CustomerRecord))
            session.add_all(
                CustomerRecord(
                    number=c.number,
                    company=c.company,
                    contact_name=c.contact_name,
                    tier=c.tier,
                    account_manager=c.account_manager,
                    postal_code=c.postal_code,
                    email=c.email,
                    phone=c.phone,
                    phone_digits=normalise_phone(c.phone),
                    language=c.language,
                )
                for c in customers
            )
            await session.flush()
            session.add_all(
                OrderRecord(
                    order_id=o.order_id,
                    customer_number=o.customer_number,
                    created_at=o.created_at,
                    status=o.status.value,
                    carrier=o.carrier,
                    tracking_number=o.tracking_number,
                    eta=o.eta,
                    items=list(o.items),
                    total_net_eur=o.total_net_eur,
                )
                for o in orders
            )
