"""The customer's data rights in the chat: "Auskunft", "meine Daten", "export my data" gets
an offer to send what we store; "Daten löschen", "delete my data" an offer to erase it. A
button confirms (or cancels); no intent model is needed, so it works while the NLU is down.
The first reply to a new contact names the privacy policy."""

from __future__ import annotations

import re
from enum import StrEnum

from bot.messages import Button, Reply
from bot.privacy import DEFAULT_POLICY_URL
from handlers.context import HandlerContext
from handlers.payloads import PRIVACY_CANCEL, PRIVACY_ERASE, PRIVACY_EXPORT
from handlers.privacy_summary import summary
from handlers.replies import menu_button, person_button
from handlers.texts import text


class PrivacyAsk(StrEnum):
    """What the customer asks for."""

    EXPORT = "export"
    ERASE = "erase"


_COMMANDS = {
    "/auskunft": PrivacyAsk.EXPORT,
    "/export": PrivacyAsk.EXPORT,
    "/daten": PrivacyAsk.EXPORT,
    "/mydata": PrivacyAsk.EXPORT,
    "/delete": PrivacyAsk.ERASE,
    "/loeschen": PrivacyAsk.ERASE,
    "/löschen": PrivacyAsk.ERASE,
    "/forget": PrivacyAsk.ERASE,
}
# A message made only of these words (and at least the ones that say what is asked) is a
# privacy request; any other word ("Welche Daten brauchen Sie für die Bestellung?") asks
# something else and goes to the model.
# fmt: off
_EXPORT_WORDS = frozenset((
    "auskunft", "datenauskunft", "selbstauskunft", "dsgvo-auskunft", "datenexport", "export",
    "exportieren", "datenkopie", "kopie", "copy", "download", "herunterladen",
))
_ERASE_WORDS = frozenset((
    "löschen", "loeschen", "löscht", "löschung", "datenlöschung", "delete", "erase", "remove",
    "entfernen", "vergessen", "vergiss", "forget", "wipe",
))
_DATA_WORDS = frozenset((
    "daten", "data", "personenbezogenen", "persönlichen", "personal", "informationen",
    "information", "infos", "chatverlauf", "verlauf", "history", "dsgvo", "gdpr",
))
_STORED_WORDS = frozenset(("gespeichert", "gespeicherten", "speichert", "stored", "store"))
_PERSONAL_WORDS = frozenset(("mein", "meine", "meiner", "meinen", "mich", "mir", "my", "me"))
_FILLER_WORDS = frozenset((
    "bitte", "please", "pls", "ich", "i", "möchte", "moechte", "will", "want", "would", "like",
    "wants", "hätte", "gern", "gerne", "sie", "you", "ihr", "du", "wir", "we", "us", "uns",
    "can", "could", "kann", "können", "koennen", "könnt", "get", "erhalten", "bekommen",
    "haben", "habt", "hast", "have", "has", "do", "does", "what", "which", "welche", "was",
    "über", "ueber", "about", "von", "zu", "zur", "of", "on", "a", "an", "the", "eine",
    "einen", "der", "die", "das", "dem", "den", "all", "alle", "allen", "alles", "everything",
    "and", "und", "gespeichert", "gespeicherten", "speichert", "stored", "store", "keep",
    "hold", "send", "senden", "schicken", "zusenden", "sehen", "see", "anfordern", "request",
    "antrag", "nach", "art", "15", "17", "gemäß", "laut", "under", "per", "bei", "euch",
    "mal", "jetzt", "now", "sofort", "endgültig", "permanently", "komplett", "completely",
    "for", "für", "is", "ist", "sind", "are", "mit", "with", "hier", "here",
))
# fmt: on
_ALL_WORDS = _EXPORT_WORDS | _ERASE_WORDS | _DATA_WORDS | _PERSONAL_WORDS | _FILLER_WORDS
_WORD = re.compile(r"[\w/-]+")
MAX_WORDS = 12


def requested(message_text: str) -> PrivacyAsk | None:
    """What a message asks about the customer's data, if that is all it asks."""
    words = _WORD.findall(message_text.casefold())
    if len(words) == 1 and words[0] in _COMMANDS:
        return _COMMANDS[words[0]]
    if not words or len(words) > MAX_WORDS or not all(w in _ALL_WORDS for w in words):
        return None
    present = set(words)
    about_data = bool(present & _DATA_WORDS)
    forget_me = bool(present & {"vergiss", "vergessen", "forget"} and present & _PERSONAL_WORDS)
    if present & _ERASE_WORDS and (about_data or forget_me):
        return PrivacyAsk.ERASE
    about_me = bool(present & _PERSONAL_WORDS)
    if present & _EXPORT_WORDS or (about_me and (about_data or present & _STORED_WORDS)):
        return PrivacyAsk.EXPORT
    return None


def policy_url(context: HandlerContext) -> str:
    """The privacy policy the customer is pointed to."""
    return context.privacy.policy_url if context.privacy is not None else DEFAULT_POLICY_URL


def disclosure(context: HandlerContext) -> Reply:
    """The first reply to a new contact: a bot answers, a person is a word away, and where
    the privacy policy is."""
    return Reply(text("disclosure", context.language).format(policy_url=policy_url(context)))


async def offer(ask: PrivacyAsk, context: HandlerContext) -> list[Reply]:
    """Say what would happen, with a button that confirms and one that cancels."""
    language = context.language
    confirm = Button(
        text(f"button_privacy_{ask.value}", language),
        PRIVACY_EXPORT if ask is PrivacyAsk.EXPORT else PRIVACY_ERASE,
    )
    cancel = Button(text("button_privacy_cancel", language), PRIVACY_CANCEL)
    body = text(f"privacy_{ask.value}_offer", language).format(policy_url=policy_url(context))
    return [Reply(body, (confirm, cancel))]


async def confirmed(payload: str, context: HandlerContext) -> list[Reply]:
    """A pressed privacy button: send the data, erase it, or leave everything as it is."""
    language = context.language
    if payload == PRIVACY_CANCEL:
        return [Reply(text("privacy_cancelled", language), (menu_button(language),))]
    if context.privacy is None:  # no privacy service wired: a person takes the request
        body = text("privacy_unavailable", language).format(policy_url=policy_url(context))
        return [Reply(body, (person_button(language),))]
    if payload == PRIVACY_EXPORT:
        exported = await context.privacy.export()
        return summary(exported, language, context.business_hours.timezone, policy_url(context))
    erasure = await context.privacy.erase()
    return [
        Reply(
            text("privacy_erased", language).format(
                conversations=erasure.conversations, messages=erasure.messages
            )
        )
    ]
