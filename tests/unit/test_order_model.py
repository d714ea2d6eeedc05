"""How customers write order numbers and postal codes, and when an order is late."""

from __future__ import annotations

from datetime import date

import pytest

from orders.demo_data import load_customers
from orders.model import Order, OrderStatus, as_postal_code, find_order_id, postal_code_matches

CUSTOMERS = {customer.number: customer for customer in load_customers()}


@pytest.mark.parametrize(
    "message",
    ["KR-204815", "kr 204815", "kr204815", "204815", "Wo bleibt KR-204815?", "Nr. 204815, danke"],
)
def test_order_numbers_in_every_notation(message: str) -> None:
    assert find_order_id(message) == "KR-204815"


@pytest.mark.parametrize(
    "message", ["2048151", "KR-2048", "Tel. 05617000100", "PLZ 34117", "ABC-204815", "204815-1"]
)
def test_other_numbers_are_not_order_numbers(message: str) -> None:
    assert find_order_id(message) is None


@pytest.mark.parametrize(
    ("message", "code"),
    [
        ("34117", "34117"),
        ("PLZ 34117", "34117"),
        ("34117 Kassel", "34117"),
        ("die plz ist 34117.", "34117"),
        ("3511 ab", "3511AB"),
        ("3511", "3511"),
        ("00-950", "00-950"),
    ],
)
def test_postal_codes_in_short_answers(message: str, code: str) -> None:
    assert as_postal_code(message) == code


@pytest.mark.parametrize(
    "message",
    ["KR-204815", "Wie lange dauert die Lieferung nach 34117 Kassel bei euch eigentlich?", "ja"],
)
def test_not_a_postal_code_answer(message: str) -> None:
    assert as_postal_code(message) is None


def test_a_dutch_customer_may_add_the_letters_of_the_postal_code() -> None:
    van_dijk = CUSTOMERS["K10004"]  # 3511
    assert postal_code_matches("3511AB", van_dijk)
    assert postal_code_matches("3511", van_dijk)
    assert not postal_code_matches("35112", van_dijk)
    assert not postal_code_matches("3512", van_dijk)


def test_an_order_is_late_only_past_its_date_and_not_yet_with_the_customer() -> None:
    shipped = Order("KR-1", "K1", date(2026, 11, 1), OrderStatus.SHIPPED, eta=date(2026, 11, 24))
    assert not shipped.is_late(date(2026, 11, 24))
    assert shipped.is_late(date(2026, 11, 25))
    delivered = Order("KR-2", "K1", date(2026, 11, 1), OrderStatus.DELIVERED, eta=date(2026, 11, 2))
    assert not delivered.is_late(date(2026, 11, 25))
    no_date = Order("KR-3", "K1", date(2026, 11, 1), OrderStatus.RECEIVED)
    assert not no_date.is_late(date(2026, 11, 25))
