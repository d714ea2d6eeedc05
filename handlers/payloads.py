"""Button payloads: short strings (Telegram allows 64 bytes) that name what a button does."""

from __future__ import annotations

FAQ_PREFIX = "faq:"
HANDOFF = "handoff"


def faq_payload(slug: str) -> str:
    """Payload of a button that answers an FAQ topic."""
    return f"{FAQ_PREFIX}{slug}"


def faq_slug(payload: str) -> str | None:
    """The FAQ slug a payload asks for, if it is an FAQ button."""
    return payload.removeprefix(FAQ_PREFIX) if payload.startswith(FAQ_PREFIX) else None
