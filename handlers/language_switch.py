"""The customer asks for the other language ("English please", "auf Deutsch bitte", /en)
or presses the menu's language button; the reply language then stays switched."""

from __future__ import annotations

import re

from bot.messages import Button, InboundKind, InboundMessage, Reply
from handlers.context import HandlerContext
from handlers.payloads import language_of, language_payload
from handlers.replies import menu_button
from handlers.texts import text

_LANGUAGE_WORDS = {"en": ("english", "englisch", "engl"), "de": ("german", "deutsch", "dt")}
_COMMANDS = {"/en": "en", "/english": "en", "/de": "de", "/deutsch": "de", "/german": "de"}
# Words around the language's name in a request to switch. A message with any other word
# ("Gibt es die Anleitung auf Englisch?") asks something else and goes to the model.
# fmt: off
_REQUEST_WORDS = frozenset((
    "please", "pls", "plz", "can", "could", "do", "you", "we", "i", "speak", "talk", "write",
    "answer", "reply", "continue", "switch", "change", "to", "in", "on", "the", "language",
    "would", "like", "prefer", "rather", "only",
    "bitte", "kann", "können", "könnt", "koennen", "sie", "du", "ihr", "wir", "ich", "man",
    "sprechen", "sprichst", "sprecht", "reden", "schreiben", "schreibt", "antworten", "weiter",
    "wechseln", "zu", "auf", "mit", "mir", "uns", "sprache", "lieber", "gern", "gerne",
    "möchte", "hätte", "nur", "auch",
))
# fmt: on
_WORD = re.compile(r"[\w/]+")


def requested_language(message_text: str) -> str | None:
    """The language a message asks the bot to switch to, if that is all it asks."""
    words = _WORD.findall(message_text.casefold())
    if len(words) == 1 and words[0] in _COMMANDS:
        return _COMMANDS[words[0]]
    if not words or len(words) > 8:
        return None
    for language, names in _LANGUAGE_WORDS.items():
        named = [w for w in words if w in names]
        if len(named) == 1 and all(w in _REQUEST_WORDS or w in names for w in words):
            return language
    return None


def switch_requested(message: InboundMessage) -> str | None:
    """The language a typed request or a pressed language button switches to."""
    if message.kind is InboundKind.TEXT:
        return requested_language(message.text)
    if message.kind is InboundKind.BUTTON:
        return language_of(message.payload)
    return None


def other_language_button(language: str) -> Button:
    """The menu's button to switch between German and English."""
    other = "en" if language == "de" else "de"
    return Button(text("button_language", language), language_payload(other))


async def confirm_switch(context: HandlerContext) -> list[Reply]:
    """Say, in the new language, that it stays; offer the menu."""
    return [Reply(text("language_switched", context.language), (menu_button(context.language),))]
