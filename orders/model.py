"""The order system's facts the bot may tell a verified customer, and how customers write
order numbers and postal codes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class OrderStatus(StrEnum):
    """Where an order is, as the order system says."""

    RECEIVED = "received"
    PICKING = "picking"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    BACKORDERED = "backordered"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Customer:
    """A customer company and the data that verifies someone writing for it."""

    number: str
    company: str
    contact_name: str
    tier: str  # A, B or C
    account_manager: str
    postal_code: str
    email: str
    phone: str  # E.164, e.g. +4956170001001
    language: str


@dataclass(frozen=True, slots=True)
class Order:
    """One order with what the customer wants to know about it."""

    order_id: str  # canonical form: KR-204815
    customer_number: str
    created_at: date
    status: OrderStatus
    carrier: str = ""  # DHL, DPD, GLS or a freight forwarder's name
    tracking_number: str = ""
    eta: date | None = None
    items: tuple[str, ...] = ()
    total_net_eur: Decimal = Decimal(0)

    def is_late(self, today: date) -> bool:
        """Past its expected date and still not with the customer."""
        open_statuses = {OrderStatus.DELIVERED, OrderStatus.CANCELLED}
        return self.eta is not None and self.eta < today and self.status not in open_statuses


# KR-204815, kr 204815, KR204815 or just the six digits; not part of a longer number.
_ORDER_ID = re.compile(r"(?<![\w-])(?:kr[\s-]?)?(\d{6})(?![\w-])", re.IGNORECASE)
# German 34117, Dutch 3511 (optionally 3511 AB), Polish 00-950.
_POSTAL_CODE = re.compile(r"(?<![\w-])(\d{5}|\d{4}(?:\s?[a-z]{2})?|\d{2}-\d{3})(?![\w-])", re.I)
# An answer to "what is your postal code?" is short: "34117", "PLZ 34117", "34117 Kassel".
MAX_POSTAL_CODE_ANSWER_WORDS = 5


def find_order_id(text: str) -> str | None:
    """The first order number in a message, in canonical form."""
    match = _ORDER_ID.search(text)
    return f"KR-{match.group(1)}" if match else None


def as_postal_code(text: str) -> str | None:
    """The postal code in a short answer (what a customer types when asked for it)."""
    if len(text.split()) > MAX_POSTAL_CODE_ANSWER_WORDS or find_order_id(text):
        return None
    match = _POSTAL_CODE.search(text)
    return normalise_postal_code(match.group(1)) if match else None


def normalise_postal_code(code: str) -> str:
    """Comparable form: no spaces, upper case (3511 ab -> 3511AB)."""
    return "".join(code.split()).upper()


def postal_code_matches(given: str, customer: Customer) -> bool:
    """The customer's postal code; a Dutch customer may add the two letters or leave them."""
    stored = normalise_postal_code(customer.postal_code)
    given = normalise_postal_code(given)
    return given == stored or (given[:4] == stored and given[4:].isalpha() and len(stored) == 4)


def normalise_phone(number: str) -> str:
    """Digits only with the country code (WhatsApp sends 4956170001001, we store +49...)."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return digits.removeprefix("00")


# Short status names in the customer's words (the bot's "my orders" buttons, the consoles).
ORDER_STATUS_NAMES: dict[str, dict[str, str]] = {
    "received": {"de": "eingegangen", "en": "received"},
    "picking": {"de": "in Bearbeitung", "en": "being picked"},
    "shipped": {"de": "versendet", "en": "shipped"},
    "delivered": {"de": "zugestellt", "en": "delivered"},
    "backordered": {"de": "Lieferrückstand", "en": "backordered"},
    "cancelled": {"de": "storniert", "en": "cancelled"},
}
