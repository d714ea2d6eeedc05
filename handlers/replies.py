"""The handlers: pure `async (context) -> list[Reply]` functions, one per action."""

from __future__ import annotations

from bot.messages import Button, Reply
from handlers.context import HandlerContext
from handlers.payloads import HANDOFF, MENU, faq_payload
from handlers.texts import text


def person_button(language: str) -> Button:
    """The "talk to a person" button every dead end offers."""
    return Button(text("button_person", language), HANDOFF)


def menu_button(language: str) -> Button:
    """Back to the category menu."""
    return Button(text("button_menu", language), MENU)


async def answer_faq(slug: str, context: HandlerContext) -> list[Reply]:
    """The stored FAQ answer in the customer's language."""
    entry = await context.faq.get(slug, context.language)
    if entry is None:
        return [Reply(text("faq_missing", context.language), (person_button(context.language),))]
    return [Reply(entry.answer)]


async def clarify(slugs: tuple[str, ...], context: HandlerContext) -> list[Reply]:
    """Ask which of two close FAQ topics was meant, with a button for each."""
    buttons = []
    for slug in slugs:
        entry = await context.faq.get(slug, context.language)
        if entry is not None:
            buttons.append(Button(entry.question, faq_payload(slug)))
    buttons.append(person_button(context.language))
    return [Reply(text("clarify", context.language), tuple(buttons))]


async def smalltalk(intent: str, context: HandlerContext) -> list[Reply]:
    """Greeting, goodbye or thanks."""
    return [Reply(text(intent, context.language))]


async def fallback(context: HandlerContext) -> list[Reply]:
    """A miss: ask to rephrase, or to use the menu (a second miss in a row goes to a person,
    see handlers/router.py)."""
    language = context.language
    return [Reply(text("fallback", language), (menu_button(language),))]


async def media_received(context: HandlerContext) -> list[Reply]:
    """A photo or file without words: the bot cannot read it, but a person can see it."""
    language = context.language
    return [Reply(text("media_received", language), (person_button(language),))]


async def unsupported(context: HandlerContext) -> list[Reply]:
    """A photo, voice message or sticker: ask for text, politely."""
    return [Reply(text("unsupported", context.language))]
