"""OrderProvider in memory: for unit tests of the order-status dialogue."""

from __future__ import annotations

from collections.abc import Iterable

from orders.model import Customer, Order, normalise_phone


class MemoryOrderProvider:
    """Orders and customers held in dicts."""

    def __init__(self, customers: Iterable[Customer], orders: Iterable[Order]) -> None:
        self._customers = {customer.number: customer for customer in customers}
        self._orders = {order.order_id: order for order in orders}

    async def order(self, order_id: str) -> Order | None:
        """The order, or None."""
        return self._orders.get(order_id)

    async def customer(self, number: str) -> Customer | None:
        """The customer, or None."""
        return self._customers.get(number)

    async def customer_by_phone(self, phone: str) -> Customer | None:
        """The customer with this phone number, compared as digits."""
        wanted = normalise_phone(phone)
        return next(
            (c for c in self._customers.values() if normalise_phone(c.phone) == wanted), None
        )

    async def recent_orders(self, customer_number: str, limit: int = 5) -> list[Order]:
        """Newest first."""
        mine = [o for o in self._orders.values() if o.customer_number == customer_number]
        return sorted(mine, key=lambda order: order.created_at, reverse=True)[:limit]
