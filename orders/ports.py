"""The OrderProvider port: what the bot needs from a shop or ERP system."""

from __future__ import annotations

from typing import Protocol

from orders.model import Customer, Order


class OrderSystemUnavailableError(Exception):
    """The order system did not answer in time or failed; the customer gets a person."""


class OrderProvider(Protocol):
    """Read access to orders and customers. Adapters: SQL (demo data, the default), REST (a
    real shop/ERP), memory (tests). All raise OrderSystemUnavailableError when they cannot
    answer, and return None/empty for what does not exist."""

    async def order(self, order_id: str) -> Order | None:
        """The order with this canonical number (KR-204815)."""
        ...

    async def customer(self, number: str) -> Customer | None:
        """The customer with this customer number."""
        ...

    async def customer_by_phone(self, phone: str) -> Customer | None:
        """The customer whose phone number this is (any notation; compared as digits)."""
        ...

    async def recent_orders(self, customer_number: str, limit: int = 5) -> list[Order]:
        """The customer's newest orders first."""
        ...
