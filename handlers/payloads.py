"""Button payloads: short strings (Telegram allows 64 bytes) that name what a button does."""

from __future__ import annotations

FAQ_PREFIX = "faq:"
CATEGORY_PREFIX = "cat:"
LANGUAGE_PREFIX = "lang:"
HANDOFF = "handoff"
MENU = "menu"


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
