"""Our channel-neutral replies as WhatsApp messages, within WhatsApp's limits: up to three
buttons of 20 characters as reply buttons, anything bigger as list messages of up to ten rows
(titles 24 characters, the full wording in the row's description), long texts split. Our
*bold* markup is WhatsApp's own."""

from __future__ import annotations

from typing import Any

from bot.messages import Button, Reply

TEXT_LIMIT = 4096
INTERACTIVE_BODY_LIMIT = 1024
BUTTONS_LIMIT, BUTTON_TITLE_LIMIT = 3, 20
ROWS_LIMIT, ROW_TITLE_LIMIT, ROW_DESCRIPTION_LIMIT = 10, 24, 72
LIST_BUTTON_LIMIT = 20
TEMPLATE_PARAMETER_LIMIT = 900  # leaves the template's own wording room within 1,024
WORDS = {
    "choose": {"de": "Auswählen", "en": "Choose"},
    "pick": {"de": "Bitte wählen Sie:", "en": "Please choose:"},
    "more": {"de": "Weitere Möglichkeiten:", "en": "More options:"},
}


def render(reply: Reply, language: str = "de") -> list[dict[str, Any]]:
    """The messages (Graph API bodies without recipient) that say this reply."""
    words = {key: variants.get(language, variants["de"]) for key, variants in WORDS.items()}
    buttons = reply.buttons
    if not buttons:
        return [_text(chunk) for chunk in split_text(reply.text, TEXT_LIMIT)]
    messages: list[dict[str, Any]] = []
    body = reply.text
    if len(body) > INTERACTIVE_BODY_LIMIT:  # say it in full first, then offer the choice
        messages += [_text(chunk) for chunk in split_text(body, TEXT_LIMIT)]
        body = words["pick"]
    if len(buttons) <= BUTTONS_LIMIT and all(len(b.title) <= BUTTON_TITLE_LIMIT for b in buttons):
        return [*messages, _reply_buttons(body, buttons)]
    for index in range(0, len(buttons), ROWS_LIMIT):
        rows = buttons[index : index + ROWS_LIMIT]
        messages.append(_list(body if index == 0 else words["more"], rows, words["choose"]))
    return messages


def template(name: str, language: str, text: str) -> dict[str, Any]:
    """An approved template whose body has one parameter: our text (outside the 24 hours).
    Meta takes no line breaks in a parameter, and 1,024 characters for the whole body,
    the template's own words included."""
    parameter = shorten(" ".join(text.split()), TEMPLATE_PARAMETER_LIMIT)
    return {
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": parameter}]}],
        },
    }


def shorten(title: str, limit: int) -> str:
    """At most `limit` characters, cut after a whole word where one fits, marked with "…"."""
    if len(title) <= limit:
        return title
    cut = title[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-–") + "…"


def split_text(text: str, limit: int) -> list[str]:
    """The text in pieces of at most `limit` characters, cut between lines where possible."""
    pieces, rest = [], text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > limit // 2 else rest.rfind(" ", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*pieces, rest] if rest else pieces or [""]


def _text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _reply_buttons(body: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": b.payload, "title": b.title}} for b in buttons
                ]
            },
        },
    }


def _list(body: str, buttons: tuple[Button, ...], choose: str) -> dict[str, Any]:
    rows = []
    for button in buttons:
        row = {"id": button.payload, "title": shorten(button.title, ROW_TITLE_LIMIT)}
        if row["title"] != button.title:  # the full wording, where the title had to be cut
            row["description"] = shorten(button.title, ROW_DESCRIPTION_LIMIT)
        rows.append(row)
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": body},
            "action": {
                "button": shorten(choose, LIST_BUTTON_LIMIT),
                "sections": [{"rows": rows}],
            },
        },
    }
