"""Whole numbers from what a browser sends: path segments, query strings, form fields."""

from __future__ import annotations

MAX_ID = 999_999_999  # ids and version numbers fit the databases' 32-bit integers


def whole_number(raw: str, high: int = MAX_ID) -> int | None:
    """`raw` as a number from 0 to `high`, None unless it is ASCII digits only: "²" is a
    digit to str.isdigit but no number to int, and a 30-digit id overflows the database."""
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(high)):
        return None
    number = int(raw)
    return number if number <= high else None
