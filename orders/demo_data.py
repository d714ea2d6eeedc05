"""The demo company's customers and orders (copied from shared/demo-company), as read from
the CSV files that a real company would export from its ERP."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from orders.model import Customer, Order, OrderStatus

DATA_DIR = Path(__file__).resolve().parent / "data"
CUSTOMERS_FILE = DATA_DIR / "customers.csv"
ORDERS_FILE = DATA_DIR / "orders.csv"


def load_customers(path: Path = CUSTOMERS_FILE) -> list[Customer]:
    """Customers from a CSV file with the demo company's columns."""
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Customer(
                number=row["customer_number"],
                company=row["company"],
                contact_name=row["contact_name"],
                tier=row["tier"],
                account_manager=row["account_manager"],
                postal_code=row["postal_code"],
                email=row["email"],
                phone=row["phone"],
                language=row["language"],
            )
            for row in csv.DictReader(file)
        ]


def load_orders(path: Path = ORDERS_FILE) -> list[Order]:
    """Orders from a CSV file with the demo company's columns (items split on "; ")."""
    with path.open(encoding="utf-8", newline="") as file:
        return [
            Order(
                order_id=row["order_id"],
                customer_number=row["customer_number"],
                created_at=date.fromisoformat(row["created_at"]),
                status=OrderStatus(row["status"]),
                carrier=row["carrier"],
                tracking_number=row["tracking_number"],
                eta=date.fromisoformat(row["eta"]) if row["eta"] else None,
                items=tuple(item.strip() for item in row["items"].split(";") if item.strip()),
                total_net_eur=Decimal(row["total_net_eur"]),
            )
            for row in csv.DictReader(file)
        ]
