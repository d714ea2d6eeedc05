"""OrderProvider contract: every adapter answers like the demo data says (memory over the demo
data, REST against the ERP stand-in over real HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import aiohttp
import pytest

from bot.storage.database import create_engine, session_factory
from orders.demo_data import load_customers, load_orders
from orders.memory_provider import MemoryOrderProvider
from orders.model import Order
from orders.ports import OrderProvider
from orders.rest_provider import RestOrderProvider
from orders.sql_provider import SqlOrderProvider
from tests.order_system_standin import OrderSystemState, serve_order_system, standin_config

ORDERS = load_orders()
CUSTOMERS = load_customers()
HOLZMANN = next(c for c in CUSTOMERS if c.number == "K10001")


@asynccontextmanager
async def _memory(_database_url: str | None) -> AsyncIterator[OrderProvider]:
    yield MemoryOrderProvider(load_customers(), load_orders())


@asynccontextmanager
async def _rest(_database_url: str | None) -> AsyncIterator[OrderProvider]:
    async with serve_order_system(OrderSystemState()) as url, aiohttp.ClientSession() as http:
        yield RestOrderProvider(http, standin_config(url))


@asynccontextmanager
async def _sql(database_url: str | None) -> AsyncIterator[OrderProvider]:
    assert database_url is not None
    engine = create_engine(database_url)
    provider = SqlOrderProvider(session_factory(engine))
    await provider.replace_all(load_customers(), load_orders())
    yield provider
    await engine.dispose()


# One entry per adapter, each holding the demo data, and the migrated database it needs.
ADAPTERS: dict[str, Callable[[str | None], AbstractAsyncContextManager[OrderProvider]]] = {
    "memory": _memory,
    "rest": _rest,
    "sqlite": _sql,
    "postgresql": _sql,
}
DATABASES = {"sqlite": "sqlite_url", "postgresql": "postgres_db_url"}


@pytest.fixture(
    params=[
        pytest.param(name, marks=pytest.mark.postgres) if name == "postgresql" else name
        for name in ADAPTERS
    ]
)
def adapter(request: pytest.FixtureRequest) -> tuple[str, str | None]:
    """The adapter's name and its database URL (migrated outside the event loop)."""
    name: str = request.param
    database = DATABASES.get(name)
    return name, request.getfixturevalue(database) if database else None


@pytest.fixture
async def provider(adapter: tuple[str, str | None]) -> AsyncIterator[OrderProvider]:
    """The adapter under test, holding the demo company's customers and orders."""
    name, database_url = adapter
    async with ADAPTERS[name](database_url) as opened:
        yield opened


@pytest.mark.parametrize("expected", ORDERS, ids=[o.order_id for o in ORDERS])
async def test_order_has_every_field_of_the_demo_data(
    provider: OrderProvider, expected: Order
) -> None:
    """Status, carrier, tracking number, ETA, items and total all come through."""
    assert await provider.order(expected.order_id) == expected


async def test_unknown_order_is_none(provider: OrderProvider) -> None:
    """An order number nobody has."""
    assert await provider.order("KR-999999") is None


async def test_customer_by_number_has_every_field(provider: OrderProvider) -> None:
    """Each demo customer, and None for an unknown number."""
    for expected in CUSTOMERS:
        assert await provider.customer(expected.number) == expected
    assert await provider.customer("K99999") is None


@pytest.mark.parametrize(
    "phone",
    ["+49 561 70001001", "0049 561 70001001", "4956170001001", "+49 (561) 700-010-01"],
)
async def test_customer_by_phone_in_any_notation(provider: OrderProvider, phone: str) -> None:
    """WhatsApp sends digits, people type spaces, 00 or a plus."""
    assert await provider.customer_by_phone(phone) == HOLZMANN


async def test_customer_by_phone_finds_each_customer(provider: OrderProvider) -> None:
    """Not just the first one: every customer by their own number."""
    for expected in CUSTOMERS:
        assert await provider.customer_by_phone(expected.phone) == expected


@pytest.mark.parametrize("phone", ["+49 561 99999999", "56170001001", ""])
async def test_unknown_phone_is_none(provider: OrderProvider, phone: str) -> None:
    """Another number, the number without its country code, or none at all."""
    assert await provider.customer_by_phone(phone) is None


async def test_recent_orders_newest_first_with_limit(provider: OrderProvider) -> None:
    """K10001 has three orders; the limit keeps the newest."""
    by_id = {o.order_id: o for o in ORDERS}
    newest_first = [by_id["KR-204816"], by_id["KR-204815"], by_id["KR-204826"]]

    assert await provider.recent_orders("K10001") == newest_first
    assert await provider.recent_orders("K10001", limit=2) == newest_first[:2]
    assert await provider.recent_orders("K10001", limit=1) == newest_first[:1]


async def test_recent_orders_never_hold_another_customers_orders(
    provider: OrderProvider,
) -> None:
    """Each customer gets exactly their own orders."""
    for customer in CUSTOMERS:
        mine = [o for o in ORDERS if o.customer_number == customer.number]

        found = await provider.recent_orders(customer.number, limit=10)

        assert sorted(o.order_id for o in found) == sorted(o.order_id for o in mine)
        assert all(o.customer_number == customer.number for o in found)


async def test_recent_orders_of_unknown_customer_are_empty(provider: OrderProvider) -> None:
    """No customer, no orders (and no error)."""
    assert await provider.recent_orders("K99999") == []
