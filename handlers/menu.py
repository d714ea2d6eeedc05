"""The category menu: a way through the FAQ without typing, and a person always one tap away."""

from __future__ import annotations

import re

from bot.messages import Button, Reply
from faq.model import Category
from handlers.context import HandlerContext
from handlers.language_switch import other_language_button
from handlers.payloads import category_payload, faq_payload
from handlers.replies import menu_button, person_button
from handlers.texts import text

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
    """One button per category that has topics in the customer's language, in the order the
    admins gave them, then a person."""
    language = context.language
    present = {e.category for e in await context.faq.all_entries() if e.language == language}
    listed = [c for c in await context.faq.categories() if c.slug in present]
    unlisted = [Category(slug) for slug in sorted(present - {c.slug for c in listed})]
    buttons = [Button(c.name(language), category_payload(c.slug)) for c in listed + unlisted]
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
    named = {c.slug: c for c in await context.faq.categories()}
    name = named.get(category, Category(category)).name(context.language)
    title = text("menu_category", context.language).format(category=name)
    buttons = [Button(e.question, faq_payload(e.slug)) for e in entries]
    return [
        Reply(title, (*buttons, menu_button(context.language), person_button(context.language)))
    ]
