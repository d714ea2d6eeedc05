"""The category menu: a way through the FAQ without typing, and a person always one tap away."""

from __future__ import annotations

import re

from bot.messages import Button, Reply
from handlers.context import HandlerContext
from handlers.language_switch import other_language_button
from handlers.payloads import category_payload, faq_payload
from handlers.replies import menu_button, person_button
from handlers.texts import CATEGORIES, category_title, text

_MENU_WORDS = frozenset(
    {
        "menu",
        "menü",
        "menue",
        "start",
        "hauptmenü",
        "hauptmenu",
        "themen",
        "topics",
        "hilfe",
        "help",
        "übersicht",
        "overview",
    }
)
_PUNCTUATION = re.compile(r"[^\w/]+")


def is_menu_request(message_text: str) -> bool:
    """`/start`, `Menü`, `menu`, `Hilfe`...: the whole message asks for the menu."""
    word = _PUNCTUATION.sub("", message_text.strip().lower()).removeprefix("/")
    return word in _MENU_WORDS


async def categories(context: HandlerContext) -> list[Reply]:
    """One button per FAQ category (known ones in our order, new ones after), then a person."""
    present = {e.category for e in await context.faq.all_entries()}
    known = list(CATEGORIES)
    ordered = sorted(present, key=lambda c: (known.index(c) if c in known else len(known), c))
    buttons = [Button(category_title(c, context.language), category_payload(c)) for c in ordered]
    language = context.language
    extra = (person_button(language), other_language_button(language))
    return [Reply(text("menu", language), (*buttons, *extra))]


async def topics(category: str, context: HandlerContext) -> list[Reply]:
    """The questions of one category as buttons, then back to the menu and a person."""
    entries = [
        e
        for e in await context.faq.all_entries()
        if e.category == category and e.language == context.language
    ]
    if not entries:
        return await categories(context)
    title = text("menu_category", context.language).format(
        category=category_title(category, context.language)
    )
    buttons = [Button(e.question, faq_payload(e.slug)) for e in entries]
    return [
        Reply(title, (*buttons, menu_button(context.language), person_button(context.language)))
    ]
