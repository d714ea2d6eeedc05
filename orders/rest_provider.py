"""OrderProvider for a real shop or ERP system over its REST API (aiohttp).

The remote JSON rarely looks like ours, so `RestOrderConfig.field_map` names the remote key for
each of our field names (dotted paths reach into nested objects) and `status_map` translates the
remote status vocabulary. Our field names: order_id, customer_number, created_at, status,
carrier, tracking_number, eta, items (with item_name and item_quantity inside item objects),
total_net_eur; for customers number (the customer's own number), company, contact_name, tier,
account_manager, postal_code, email, phone, language.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from http import HTTPStatus
from typing import Any, TypeVar
from urllib.parse import quote

import aiohttp
import structlog
from yarl import URL

from orders.model import Customer, Order, OrderStatus, normalise_phone
from orders.ports import OrderSystemUnavailableError

log = structlog.get_logger(__name__)
_T = TypeVar("_T")
# Fields whose absence makes an answer unusable; every other field has a default.
_REQUIRED = frozenset({"order_id", "customer_number", "created_at", "status", "number", "company"})


@dataclass(frozen=True)
class RestOrderConfig:
    """Where the order system is and how its JSON maps onto ours."""

    base_url: str
    # A whole header line, "Authorization: Bearer abc" or "X-Api-Key: abc"; kept out of repr
    # because it is a secret.
    auth_header: str = field(default="", repr=False)
    timeout_seconds: float = 3.0
    field_map: Mapping[str, str] = field(default_factory=dict)
    status_map: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Fail at start-up, not on a customer's first question."""
        if self.timeout_seconds <= 0:
            raise ValueError("timeout_seconds must be positive")
        auth_headers(self.auth_header)
        known = {status.value for status in OrderStatus}
        for ours in self.status_map.values():
            if ours.strip().lower() not in known:
                raise ValueError(f"status_map: {ours!r} is not one of {sorted(known)}")


def auth_headers(line: str) -> dict[str, str]:
    """The header dict for a header line like "X-Api-Key: abc" (empty line: none)."""
    if not line.strip():
        return {}
    name, colon, value = line.partition(":")
    name, value = name.strip(), value.strip()
    if not colon or not name or not value or any(c.isspace() for c in name):
        raise ValueError('auth_header must look like "Name: value"')
    if "\r" in value or "\n" in value:
        raise ValueError("auth_header must be one line")
    return {name: value}


class _UnfitError(Exception):
    """The JSON does not fit our model (the message names fields, never their values)."""


class _Mapper:
    """Turns remote JSON into our dataclasses following the field and status maps."""

    def __init__(self, field_map: Mapping[str, str], status_map: Mapping[str, str]) -> None:
        self._fields = dict(field_map)
        # Remote status values are compared case-insensitively.
        self._statuses = {k.strip().casefold(): v.strip().lower() for k, v in status_map.items()}

    def order(self, obj: object) -> Order:
        """One order object."""
        created_at = self._date(obj, "created_at")
        if created_at is None:
            raise _UnfitError("missing field created_at")
        return Order(
            order_id=self._text(obj, "order_id"),
            customer_number=self._text(obj, "customer_number"),
            created_at=created_at,
            status=self._status(obj),
            carrier=self._text(obj, "carrier"),
            tracking_number=self._text(obj, "tracking_number"),
            eta=self._date(obj, "eta"),
            items=self._items(obj),
            total_net_eur=self._decimal(obj, "total_net_eur"),
        )

    def customer(self, obj: object) -> Customer:
        """One customer object."""
        phone = self._text(obj, "phone")
        return Customer(
            number=self._text(obj, "number"),
            company=self._text(obj, "company"),
            contact_name=self._text(obj, "contact_name"),
            tier=self._text(obj, "tier"),
            account_manager=self._text(obj, "account_manager"),
            postal_code=self._text(obj, "postal_code"),
            email=self._text(obj, "email"),
            # Our model stores E.164; ERPs often keep "+49 561 700..." for display.
            phone=f"+{normalise_phone(phone)}" if phone.startswith(("+", "00")) else phone,
            language=self._text(obj, "language"),
        )

    def many(self, body: object, one: Callable[[object], _T]) -> list[_T]:
        """A JSON list of objects."""
        if not isinstance(body, list):
            raise _UnfitError("expected a JSON list")
        return [one(item) for item in body]

    def _value(self, obj: object, name: str) -> Any:
        value: Any = obj
        for key in self._fields.get(name, name).split("."):
            value = value.get(key) if isinstance(value, dict) else None
        return value

    def _text(self, obj: object, name: str) -> str:
        value = self._value(obj, name)
        if isinstance(value, dict | list):
            raise _UnfitError(f"field {name} is not text")
        text = "" if value is None else str(value).strip()
        if not text and name in _REQUIRED:
            raise _UnfitError(f"missing field {name}")
        return text

    def _date(self, obj: object, name: str) -> date | None:
        text = self._text(obj, name)
        try:
            # A timestamp counts on the day it was written down, in the sender's time zone.
            return datetime.fromisoformat(text).date() if text else None
        except ValueError as error:
            raise _UnfitError(f"field {name} is not an ISO date") from error

    def _decimal(self, obj: object, name: str) -> Decimal:
        value = self._value(obj, name)
        if isinstance(value, bool | dict | list):
            raise _UnfitError(f"field {name} is not a number")
        try:
            # str() first: a JSON float 1189.4 must not become 1189.4000000000000909...
            number = Decimal(0) if value is None or value == "" else Decimal(str(value))
        except InvalidOperation as error:
            raise _UnfitError(f"field {name} is not a number") from error
        if not number.is_finite():
            raise _UnfitError(f"field {name} is not a number")
        return number

    def _status(self, obj: object) -> OrderStatus:
        remote = self._text(obj, "status")
        ours = self._statuses.get(remote.casefold(), remote.lower())
        try:
            return OrderStatus(ours)
        except ValueError as error:
            # The status vocabulary is configuration, not customer data: naming it helps.
            raise _UnfitError(f"unknown status {remote[:40]!r}, add it to status_map") from error

    def _items(self, obj: object) -> tuple[str, ...]:
        value = self._value(obj, "items")
        if value is None:
            return ()
        if not isinstance(value, list):
            raise _UnfitError("field items is not a list")
        return tuple(text for text in map(self._item, value) if text)

    def _item(self, item: object) -> str:
        if isinstance(item, str):
            return item.strip()
        if not isinstance(item, dict):
            raise _UnfitError("an item is neither text nor an object")
        name = self._text(item, "item_name")
        if not name:
            raise _UnfitError("an item has no item_name")
        quantity = self._value(item, "item_quantity")
        if isinstance(quantity, float) and quantity.is_integer():
            quantity = int(quantity)
        if quantity is None or quantity == "" or isinstance(quantity, bool | dict | list):
            return name
        return f"{quantity}x {name}"


class RestOrderProvider:
    """Orders and customers from a shop/ERP REST API; the session is owned by the caller."""

    def __init__(self, session: aiohttp.ClientSession, config: RestOrderConfig) -> None:
        self._session = session
        self._base = str(URL(config.base_url.rstrip("/")))
        self._headers = auth_headers(config.auth_header)
        self._timeout = aiohttp.ClientTimeout(total=config.timeout_seconds)
        self._map = _Mapper(config.field_map, config.status_map)

    async def order(self, order_id: str) -> Order | None:
        """The order, or None."""
        body = await self._get("order", "orders", order_id)
        return None if body is None else self._parse("order", self._map.order, body)

    async def customer(self, number: str) -> Customer | None:
        """The customer, or None."""
        body = await self._get("customer", "customers", number)
        return None if body is None else self._parse("customer", self._map.customer, body)

    async def customer_by_phone(self, phone: str) -> Customer | None:
        """The customer with this phone number, compared as digits."""
        kind = "customer by phone"
        digits = normalise_phone(phone)
        if not digits:
            return None
        body = await self._get(kind, "customers", params={"phone": digits})
        found = [] if body is None else self._parse(kind, self._many_customers, body)
        # A search that also returns near matches must not identify someone else.
        return next((c for c in found if normalise_phone(c.phone) == digits), None)

    async def recent_orders(self, customer_number: str, limit: int = 5) -> list[Order]:
        """Newest first."""
        kind = "customer orders"
        if limit <= 0:
            return []
        body = await self._get(kind, "customers", customer_number, "orders", {"limit": limit})
        found = [] if body is None else self._parse(kind, self._many_orders, body)
        # Never trust the remote filter with another customer's orders.
        mine = [o for o in found if o.customer_number == customer_number]
        mine.sort(key=lambda o: (o.created_at, o.order_id), reverse=True)
        return mine[:limit]

    def _many_orders(self, body: object) -> list[Order]:
        return self._map.many(body, self._map.order)

    def _many_customers(self, body: object) -> list[Customer]:
        return self._map.many(body, self._map.customer)

    async def _get(
        self,
        kind: str,
        collection: str,
        key: str | None = None,
        sub: str | None = None,
        params: Mapping[str, str | int] | None = None,
    ) -> object | None:
        """The JSON body, or None for 404; `kind` names the endpoint in errors and logs."""
        # safe="": an id with "/", "?" or "#" must stay one path segment.
        parts = [collection] + [quote(p, safe="") for p in (key, sub) if p is not None]
        url = URL(f"{self._base}/{'/'.join(parts)}", encoded=True)
        try:
            # No redirects: an API key in a custom header would follow them to any host.
            async with self._session.get(
                url,
                params=params,
                headers=self._headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                if response.status == HTTPStatus.NOT_FOUND:
                    return None
                if response.status != HTTPStatus.OK:
                    raise _unavailable(kind, _status_text(response.status), response.status)
                raw = await response.read()
        except TimeoutError as error:
            raise _unavailable(kind, f"no answer within {self._timeout.total} s") from error
        except aiohttp.ClientError as error:
            raise _unavailable(kind, error.__class__.__name__) from error
        try:
            body: object = json.loads(raw)
        except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
            raise _unavailable(kind, "invalid JSON") from error
        if body is None:
            raise _unavailable(kind, "empty answer")
        return body

    def _parse(self, kind: str, parse: Callable[[object], _T], body: object) -> _T:
        try:
            return parse(body)
        except _UnfitError as error:
            raise _unavailable(kind, f"answer does not fit: {error}") from error


def _status_text(status: int) -> str:
    """Our own reason phrase: the remote's could carry anything."""
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _unavailable(kind: str, detail: str, status: int | None = None) -> OrderSystemUnavailableError:
    """The error to raise, logged without order or customer data."""
    log.warning("order_system_unavailable", endpoint=kind, status=status, detail=detail)
    return OrderSystemUnavailableError(f"order system, {kind}: {detail}")
