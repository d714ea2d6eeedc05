"""A local stand-in for a shop/ERP REST API, serving the demo company's data in the ERP's own
JSON shape (not ours), so that RestOrderProvider and the bot are tested over real HTTP.

    GET /orders/{order_id}                  one order, 404 if unknown
    GET /customers/{number}                 one customer, 404 if unknown
    GET /customers?phone={digits}           a list of customers (exact digits match)
    GET /customers/{number}/orders?limit=n  the customer's orders, oldest first, and like many
                                            ERPs it ignores `limit`

Every request needs the header X-Api-Key (401 without it). Switches on OrderSystemState are
read per request, so a test can flip them while the server runs.
"""

from __future__ import annotations

import asyncio
import hmac
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from orders.demo_data import load_customers, load_orders
from orders.model import Customer, Order, OrderStatus, normalise_phone
from orders.rest_provider import RestOrderConfig
from tests.net import serve

STANDIN_API_KEY = "standin-api-key"
STANDIN_AUTH_HEADER = f"X-Api-Key: {STANDIN_API_KEY}"

# The ERP's vocabulary for our statuses.
_STATES = {
    OrderStatus.RECEIVED: "NEW",
    OrderStatus.PICKING: "IN_PICKING",
    OrderStatus.SHIPPED: "SHIPPED",
    OrderStatus.DELIVERED: "DELIVERED",
    OrderStatus.BACKORDERED: "BACKORDER",
    OrderStatus.CANCELLED: "CANCELLED",
}
STANDIN_STATUS_MAP: dict[str, str] = {remote: ours.value for ours, remote in _STATES.items()}
STANDIN_FIELD_MAP: dict[str, str] = {
    "order_id": "orderNumber",
    "customer_number": "customer.id",
    "created_at": "orderDate",
    "status": "state",
    "carrier": "shipment.carrier",
    "tracking_number": "shipment.trackingCode",
    "eta": "shipment.estimatedDelivery",
    "items": "lines",
    "item_name": "title",
    "item_quantity": "qty",
    "total_net_eur": "totals.net",
    "number": "id",
    "company": "companyName",
    "contact_name": "contact.name",
    "tier": "priceTier",
    "account_manager": "accountManager.name",
    "postal_code": "address.zip",
    "email": "contact.email",
    "phone": "contact.phone",
    "language": "preferredLanguage",
}
_QUANTITY = re.compile(r"^(\d+)x (.+)$")


@dataclass
class OrderSystemState:
    """The stand-in's data and its failure switches."""

    delay_seconds: float = 0.0  # before every answer, to provoke client timeouts
    fail_with: int | None = None  # answer every request with this HTTP status
    garbage: bool = False  # answer 200 with a body that is not JSON
    ignore_filters: bool = False  # a sloppy ERP: phone search and order list return everything
    items_as_text: bool = False  # order lines as "2x Kappsäge" strings instead of objects
    customers: list[Customer] = field(default_factory=load_customers)
    orders: list[Order] = field(default_factory=load_orders)


_STATE_KEY = web.AppKey("order_system_state", OrderSystemState)


def standin_config(base_url: str, **overrides: Any) -> RestOrderConfig:
    """The RestOrderConfig that fits the stand-in (tests override single settings)."""
    settings: dict[str, Any] = {
        "base_url": base_url,
        "auth_header": STANDIN_AUTH_HEADER,
        "field_map": STANDIN_FIELD_MAP,
        "status_map": STANDIN_STATUS_MAP,
    }
    return RestOrderConfig(**(settings | overrides))


def _line(item: str) -> dict[str, object]:
    match = _QUANTITY.match(item)
    return {"qty": int(match.group(1)), "title": match.group(2)} if match else {"title": item}


def order_json(order: Order, items_as_text: bool = False) -> dict[str, object]:
    """An order as the ERP writes it."""
    body: dict[str, object] = {
        "orderNumber": order.order_id,
        "customer": {"id": order.customer_number, "type": "B2B"},
        "orderDate": f"{order.created_at.isoformat()}T09:12:00+01:00",
        "state": _STATES[order.status],
        "lines": list(order.items) if items_as_text else [_line(i) for i in order.items],
        "totals": {"net": f"{order.total_net_eur:.2f}", "currency": "EUR"},
    }
    if order.carrier or order.tracking_number or order.eta:
        body["shipment"] = {
            "carrier": order.carrier or None,
            "trackingCode": order.tracking_number or None,
            "estimatedDelivery": order.eta.isoformat() if order.eta else None,
        }
    return body


def customer_json(customer: Customer) -> dict[str, object]:
    """A customer as the ERP writes it (phone in display notation)."""
    phone = customer.phone
    body: dict[str, object] = {
        "id": customer.number,
        "companyName": customer.company,
        "priceTier": customer.tier,
        "contact": {
            "name": customer.contact_name,
            "email": customer.email,
            "phone": f"{phone[:3]} {phone[3:6]} {phone[6:]}",
        },
        "address": {"zip": customer.postal_code},
        "preferredLanguage": customer.language,
    }
    if customer.account_manager:
        body["accountManager"] = {"name": customer.account_manager}
    return body


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _switches(request: web.Request, handler: Handler) -> web.StreamResponse:
    state = request.app[_STATE_KEY]
    await asyncio.sleep(state.delay_seconds)
    given = request.headers.get("X-Api-Key", "")
    if not hmac.compare_digest(given.encode(), STANDIN_API_KEY.encode()):
        return web.json_response({"error": "invalid api key"}, status=401)
    if state.fail_with is not None:
        # Bodies of failures often echo the request: the client must not pass them on.
        text = f"internal error while serving {request.path_qs}"
        return web.Response(status=state.fail_with, text=text)
    response = await handler(request)
    if state.garbage and isinstance(response, web.Response) and response.text:
        # A proxy cut the answer short: truncated JSON with real data in it.
        return web.Response(text=response.text[:40], content_type="application/json")
    return response


def _state(request: web.Request) -> OrderSystemState:
    return request.app[_STATE_KEY]


async def _order(request: web.Request) -> web.Response:
    state = _state(request)
    wanted = request.match_info["order_id"]
    found = next((o for o in state.orders if o.order_id == wanted), None)
    if found is None:
        return web.json_response({"error": "not found"}, status=404)
    return web.json_response(order_json(found, state.items_as_text))


async def _customer(request: web.Request) -> web.Response:
    wanted = request.match_info["number"]
    found = next((c for c in _state(request).customers if c.number == wanted), None)
    if found is None:
        return web.json_response({"error": "not found"}, status=404)
    return web.json_response(customer_json(found))


async def _customers_by_phone(request: web.Request) -> web.Response:
    state = _state(request)
    digits = request.query.get("phone", "")
    if not digits:
        return web.json_response({"error": "phone is required"}, status=400)
    found = [
        c for c in state.customers if state.ignore_filters or normalise_phone(c.phone) == digits
    ]
    return web.json_response([customer_json(c) for c in found])


async def _customer_orders(request: web.Request) -> web.Response:
    state = _state(request)
    number = request.match_info["number"]
    if not any(c.number == number for c in state.customers):
        return web.json_response({"error": "not found"}, status=404)
    found = [o for o in state.orders if state.ignore_filters or o.customer_number == number]
    found.sort(key=lambda o: o.created_at)
    return web.json_response([order_json(o, state.items_as_text) for o in found])


def create_order_system_app(state: OrderSystemState) -> web.Application:
    """The stand-in as an aiohttp application."""
    app = web.Application(middlewares=[_switches])
    app[_STATE_KEY] = state
    app.router.add_get("/orders/{order_id}", _order)
    app.router.add_get("/customers", _customers_by_phone)
    app.router.add_get("/customers/{number}", _customer)
    app.router.add_get("/customers/{number}/orders", _customer_orders)
    return app


@asynccontextmanager
async def serve_order_system(state: OrderSystemState) -> AsyncIterator[str]:
    """Serve the stand-in on 127.0.0.1 and yield its base URL."""
    async with serve(create_order_system_app(state)) as url:
        yield url
