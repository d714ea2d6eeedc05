"""RestOrderProvider against the ERP stand-in over real HTTP: failures become
OrderSystemUnavailableError quickly and without customer data, and the field map reaches into
the ERP's own JSON shape."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
import structlog

from orders.model import OrderStatus
from orders.ports import OrderSystemUnavailableError
from orders.rest_provider import RestOrderConfig, RestOrderProvider
from tests.net import free_port
from tests.order_system_standin import OrderSystemState, serve_order_system, standin_config

# Data of K10001 and its order KR-204815 that must never show up in errors or logs.
SECRETS = ("KR-204815", "204815", "K10001", "4956170001001", "70001001", "Holzmann")


@dataclass
class Standin:
    """The running stand-in, its switches and an HTTP session for providers."""

    state: OrderSystemState
    url: str
    http: aiohttp.ClientSession

    def provider(self, **overrides: Any) -> RestOrderProvider:
        return RestOrderProvider(self.http, standin_config(self.url, **overrides))


@pytest.fixture
async def standin() -> AsyncIterator[Standin]:
    state = OrderSystemState()
    async with serve_order_system(state) as url, aiohttp.ClientSession() as http:
        yield Standin(state, url, http)


Call = Callable[[RestOrderProvider], Awaitable[object]]
CALLS: dict[str, Call] = {
    "order": lambda p: p.order("KR-204815"),
    "customer": lambda p: p.customer("K10001"),
    "customer_by_phone": lambda p: p.customer_by_phone("+49 561 70001001"),
    "recent_orders": lambda p: p.recent_orders("K10001"),
}


async def _failure(provider: RestOrderProvider, call: Call) -> str:
    with pytest.raises(OrderSystemUnavailableError) as caught:
        await call(provider)
    return str(caught.value)


def _assert_no_customer_data(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


@pytest.mark.parametrize("name", CALLS)
async def test_timeout_fails_fast(standin: Standin, name: str) -> None:
    """A hanging ERP costs the timeout, not the ERP's delay."""
    standin.state.delay_seconds = 5.0
    provider = standin.provider(timeout_seconds=0.3)

    started = time.monotonic()
    message = await _failure(provider, CALLS[name])

    assert time.monotonic() - started < 2.0
    assert "0.3 s" in message
    _assert_no_customer_data(message)


@pytest.mark.parametrize("status", [500, 503, 403])
@pytest.mark.parametrize("name", CALLS)
async def test_server_errors_raise_with_status_but_not_the_body(
    standin: Standin, name: str, status: int
) -> None:
    """The stand-in's error body echoes the request path; the message must not."""
    standin.state.fail_with = status

    message = await _failure(standin.provider(), CALLS[name])

    assert f"HTTP {status}" in message
    _assert_no_customer_data(message)


@pytest.mark.parametrize("name", CALLS)
async def test_invalid_json_raises(standin: Standin, name: str) -> None:
    """A truncated body (with real data in it) is an error, and its data stays out of it."""
    standin.state.garbage = True

    message = await _failure(standin.provider(), CALLS[name])

    assert "invalid JSON" in message
    _assert_no_customer_data(message)


@pytest.mark.parametrize("auth_header", ["X-Api-Key: wrong", ""])
async def test_wrong_or_missing_api_key_raises_401(standin: Standin, auth_header: str) -> None:
    """The key is sent from the configured header line; a wrong one is not 'not found'."""
    message = await _failure(standin.provider(auth_header=auth_header), CALLS["order"])

    assert "HTTP 401" in message


async def test_unreachable_order_system_raises(standin: Standin) -> None:
    """Nobody listening on the port: a connection error, not a crash."""
    provider = RestOrderProvider(standin.http, standin_config(f"http://127.0.0.1:{free_port()}"))

    message = await _failure(provider, CALLS["customer"])

    assert "ClientConnectorError" in message


async def test_unknown_remote_status_raises(standin: Standin) -> None:
    """IN_PICKING means nothing without the status map; guessing would mislead a customer."""
    message = await _failure(standin.provider(status_map={}), CALLS["recent_orders"])

    assert "IN_PICKING" in message
    _assert_no_customer_data(message)


async def test_status_not_in_the_map_is_tried_as_ours_case_insensitively(
    standin: Standin,
) -> None:
    """SHIPPED needs no map entry: it is our "shipped"."""
    order = await standin.provider(status_map={}).order("KR-204815")

    assert order is not None
    assert order.status is OrderStatus.SHIPPED


async def test_missing_required_field_raises(standin: Standin) -> None:
    """A field map that points nowhere for the order number: the answer does not fit."""
    field_map = {**standin_config(standin.url).field_map, "order_id": "orderNo"}

    message = await _failure(standin.provider(field_map=field_map), CALLS["order"])

    assert "missing field order_id" in message
    _assert_no_customer_data(message)


async def test_failures_log_a_warning_without_customer_data(standin: Standin) -> None:
    """Operators see which endpoint failed and how, nothing about whom it concerned."""
    standin.state.fail_with = 503
    with structlog.testing.capture_logs() as logs:
        for call in CALLS.values():
            await _failure(standin.provider(), call)

    warnings = [e for e in logs if e["log_level"] != "debug"]
    assert [e["event"] for e in warnings] == ["order_system_unavailable"] * len(CALLS)
    assert {e["status"] for e in warnings} == {503}
    _assert_no_customer_data(repr(warnings))


async def test_not_found_is_none_or_empty(standin: Standin) -> None:
    """404 means the order or customer does not exist, which is no failure."""
    provider = standin.provider()

    assert await provider.order("KR-999999") is None
    assert await provider.customer("K99999") is None
    assert await provider.recent_orders("K99999") == []


async def test_ids_are_url_encoded(standin: Standin) -> None:
    """Characters with meaning in a URL stay inside the id instead of changing the request."""
    provider = standin.provider()

    assert await provider.order("KR-204815?x=1") is None
    assert await provider.order("KR-204815#top") is None
    assert await provider.customer("K10001/orders") is None
    assert await provider.recent_orders("K10001?limit=1#") == []


async def test_dotted_paths_and_item_objects_are_mapped(standin: Standin) -> None:
    """shipment.trackingCode, totals.net and {qty, title} lines become our fields."""
    order = await standin.provider().order("KR-204815")

    assert order is not None
    assert order.customer_number == "K10001"
    assert order.created_at == date(2026, 11, 16)  # from 2026-11-16T09:12:00+01:00
    assert (order.carrier, order.tracking_number) == ("DHL", "00340434161234567890")
    assert order.eta == date(2026, 11, 24)
    assert order.items == ("2x Akku-Bohrschrauber PRO 18V", "10x Holzschrauben 5x60 (500 St.)")
    assert order.total_net_eur == Decimal("1189.40")


async def test_item_object_without_quantity_is_its_name(standin: Standin) -> None:
    """A line with only a title ("200m NYM-J 3x1.5") gets no made-up quantity."""
    order = await standin.provider().order("KR-204817")

    assert order is not None
    assert order.items == ("200m NYM-J 3x1.5", "50x Abzweigdose")


async def test_items_as_text_are_taken_as_they_are(standin: Standin) -> None:
    """Some ERPs send order lines as plain strings."""
    standin.state.items_as_text = True

    order = await standin.provider().order("KR-204816")

    assert order is not None
    assert order.items == ("1x Kappsäge KS 216",)


async def test_missing_optional_fields_get_defaults(standin: Standin) -> None:
    """A cancelled order without a shipment object: no carrier, tracking or ETA."""
    order = await standin.provider().order("KR-204822")

    assert order is not None
    assert (order.carrier, order.tracking_number, order.eta) == ("", "", None)
    assert order.status is OrderStatus.CANCELLED


async def test_customer_fields_are_mapped_and_phone_becomes_e164(standin: Standin) -> None:
    """contact.phone "+49 561 70001001" is stored as +4956170001001; no manager -> ""."""
    customer = await standin.provider().customer("K10002")

    assert customer is not None
    assert customer.phone == "+4956170001002"
    assert customer.account_manager == ""
    assert (customer.contact_name, customer.postal_code) == ("Murat Yilmaz", "34119")


async def test_sloppy_erp_filters_cannot_leak_other_customers(standin: Standin) -> None:
    """An ERP that ignores the phone and customer filters returns everyone; we do not."""
    standin.state.ignore_filters = True
    provider = standin.provider()

    found = await provider.customer_by_phone("+49 561 70001002")
    orders = await provider.recent_orders("K10002", limit=10)

    assert found is not None
    assert found.number == "K10002"
    assert {o.customer_number for o in orders} == {"K10002"}
    assert len(orders) == 2


def test_config_rejects_a_malformed_auth_header_or_status() -> None:
    """Misconfiguration fails at start-up, not on the first customer question."""
    with pytest.raises(ValueError, match="auth_header"):
        RestOrderConfig(base_url="http://erp", auth_header="Bearer abc")
    with pytest.raises(ValueError, match="status_map"):
        RestOrderConfig(base_url="http://erp", status_map={"ON_HOLD": "paused"})


def test_config_repr_hides_the_api_key() -> None:
    """Settings get logged; the key must not be in them."""
    config = RestOrderConfig(base_url="http://erp", auth_header="X-Api-Key: s3cr3t")

    assert "s3cr3t" not in repr(config)
    assert replace(config, timeout_seconds=1.0).auth_header == "X-Api-Key: s3cr3t"
