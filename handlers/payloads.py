"""Button payloads: short strings (Telegram allows 64 bytes) that name what a button does."""

from __future__ import annotations

FAQ_PREFIX = "faq:"
CATEGORY_PREFIX = "cat:"
LANGUAGE_PREFIX = "lang:"
HANDOFF = "handoff"
CANCEL_HANDOFF = "handoff_cancel"
MENU = "menu"
PRIVACY_EXPORT = "privacy:export"  # confirms sending the customer what we store about them
PRIVACY_ERASE = "privacy:erase"  # confirms erasing it
PRIVACY_CANCEL = "privacy:cancel"
PRIVACY_PAYLOADS = frozenset({PRIVACY_EXPORT, PRIVACY_ERASE, PRIVACY_CANCEL})


def faq_payload(slug: str) -> str:
    """Payload of a button that answers an FAQ topic."""
    return f"{FAQ_PREFIX}{slug}"


def faq_slug(payload: str) -> str | None:
    """The FAQ slug a payload asks for, if it is an FAQ button."""
    return payload.removeprefix(FAQ_PREFIX) if payload.startswith(FAQ_PREFIX) else None


def category_payload(category: str) -> str:
    """Payload of a menu button that lists a category's topics."""
    return f"{CATEGORY_PREFIX}{category}"


def category_of(payload: str) -> str | None:
    """The category a payload asks for, if it is a menu button."""
    return payload.removeprefix(CATEGORY_PREFIX) if payload.startswith(CATEGORY_PREFIX) else None


def language_payload(language: str) -> str:
    """Payload of a button that switches the reply language."""
    return f"{LANGUAGE_PREFIX}{language}"


def language_of(payload: str) -> str | None:
    """The language a payload switches to, if it is a language button."""
    return payload.removeprefix(LANGUAGE_PREFIX) if payload.startswith(LANGUAGE_PREFIX) else None


RATING_PREFIX = "rate:"


def rating_payload(stars: int) -> str:
    """Payload of a 1-5 star button after a conversation with a person."""
    return f"{RATING_PREFIX}{stars}"


def rating_of(payload: str) -> int | None:
    """The stars a rating button gives, if it is one."""
    stars = payload.removeprefix(RATING_PREFIX)
    if payload.startswith(RATING_PREFIX) and stars in {"1", "2", "3", "4", "5"}:
        return int(stars)
    return None


ORDER_PREFIX = "order:"
MY_ORDERS = "orders"
HANDOFF_ORDER_PREFIX = "handoff:"


def order_payload(order_id: str) -> str:
    """Payload of a button that shows one order."""
    return f"{ORDER_PREFIX}{order_id}"


def order_of(payload: str) -> str | None:
    """The order a payload shows, if it is an order button."""
    return payload.removeprefix(ORDER_PREFIX) if payload.startswith(ORDER_PREFIX) else None


def handoff_about(order_id: str) -> str:
    """Payload of a "talk to a person" button about one order (late, damaged)."""
    return f"{HANDOFF_ORDER_PREFIX}{order_id}"


def handoff_order(payload: str) -> str | None:
    """The order a person should look at, if it is such a button."""
    if payload.startswith(HANDOFF_ORDER_PREFIX):
        return payload.removeprefix(HANDOFF_ORDER_PREFIX)
    return None
