"""How an FAQ answer would look on Telegram and on WhatsApp before it is published, taken from
the channels' own renderers (so the preview cannot drift from what is sent), with warnings
about the limits it runs into."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup

from bot.channels import whatsapp_render as wa
from bot.channels.telegram_sender import MAX_TEXT, keyboard, render_html
from bot.messages import Button, Reply

# Our *bold*, as render_html reads it (private there). WhatsApp bubbles need it unbounded, and
# render_html's output is compared with it: a drift shows up as a false telegram_too_long.
_BOLD = re.compile(r"\*([^*\n]+)\*")
# Markdown an editor may bring along: Telegram (HTML mode) shows it literally, WhatsApp
# literally or differently (italics), so it never looks as the editor meant.
_FOREIGN_MARKUP = {
    "**…**": re.compile(r"\*\*"),
    "_…_": re.compile(r"(?<!\w)_[^_\n]+_(?!\w)"),  # not the _ inside names or addresses
    "[…](…)": re.compile(r"\[[^\]\n]+\]\([^)\n]*\)"),
    "# …": re.compile(r"^#{1,6} ", re.MULTILINE),
}
# What a cut at a fixed length can leave behind in escaped HTML: half an entity or tag.
_CUT_TAIL = re.compile(r"(&[a-z]*|</?b?)$")

_TEXTS: dict[str, dict[str, str]] = {
    "empty_answer": {
        "de": "Die Antwort ist leer; leere Nachrichten werden nicht zugestellt.",
        "en": "The answer is empty; empty messages are not delivered.",
    },
    "unbalanced_bold": {
        "de": "Ungerade Anzahl von * ({count}): ein Fettdruck bleibt offen, ein * bleibt sichtbar.",
        "en": "Odd number of * ({count}): bold text is left open and a * stays visible.",
    },
    "markdown_not_supported": {
        "de": "Die Formatierung {markup} wird nicht wie gedacht angezeigt; nur *fett* ist möglich.",
        "en": "The formatting {markup} is not shown as intended; only *bold* is supported.",
    },
    "telegram_too_long": {
        "de": "Telegram sendet höchstens {limit} Zeichen; die Antwort hat {length} "
        "(Formatierung mitgezählt) und wird abgeschnitten.",
        "en": "Telegram sends at most {limit} characters; this answer has {length} "
        "(formatting included) and is cut off.",
    },
    "whatsapp_split": {
        "de": "WhatsApp sendet die Antwort in {messages} Nachrichten "
        "(höchstens {limit} Zeichen je Nachricht).",
        "en": "WhatsApp sends this answer as {messages} messages "
        "(at most {limit} characters each).",
    },
    "whatsapp_buttons_separate": {
        "de": "Mit Schaltflächen erlaubt WhatsApp höchstens {limit} Zeichen; die Antwort "
        "({length}) kommt zuerst, die Schaltflächen folgen in einer eigenen Nachricht.",
        "en": "With buttons, WhatsApp allows at most {limit} characters; the answer ({length}) "
        "comes first, the buttons follow in a message of their own.",
    },
    "whatsapp_list_instead_of_buttons": {
        "de": "WhatsApp zeigt bis zu {limit} Schaltflächen mit höchstens {title_limit} Zeichen "
        "direkt an; diese {count} erscheinen als Auswahlliste.",
        "en": "WhatsApp shows up to {limit} buttons of at most {title_limit} characters directly; "
        "these {count} appear as a selection list.",
    },
    "button_title_shortened": {
        "de": "Schaltfläche {button} hat {length} Zeichen; die WhatsApp-Liste zeigt nur {limit}.",
        "en": "Button {button} has {length} characters; the WhatsApp list shows only {limit}.",
    },
}
CODES = tuple(_TEXTS)


@dataclass(frozen=True, slots=True)
class PreviewWarning:
    """Something about an answer that a channel will not show as written."""

    code: str  # one of CODES
    values: Mapping[str, object]  # what the wording needs, e.g. {"length": 5000, "limit": 4096}

    def text(self, language: str) -> str:
        """The warning for the administrator in German or English (plain text, not HTML)."""
        language = language if language in ("de", "en") else "de"
        wording = _TEXTS[self.code][language]
        return wording.format_map({k: _number(v, language) for k, v in self.values.items()})


@dataclass(frozen=True, slots=True)
class ChannelPreview:
    """One channel's view of an answer; bubbles are safe HTML for a pre-wrap element."""

    channel: str  # "telegram" or "whatsapp"
    bubbles: tuple[str, ...]  # escaped, bold as <b>…</b>, line breaks kept as \n
    buttons: tuple[str, ...]  # titles as the customer sees them
    as_list: bool  # WhatsApp: a list message behind one button instead of reply buttons
    warnings: tuple[PreviewWarning, ...]
    # The answer's length as the renderer measures it against the limit (Telegram: the HTML it
    # sends, so each bold part and each &, < or > counts a few characters more).
    characters: int
    limit: int  # that channel's text limit


def preview_answer(
    answer: str, buttons: Sequence[str] = (), language: str = "de"
) -> tuple[ChannelPreview, ChannelPreview]:
    """(telegram, whatsapp) previews of this answer with these button titles."""
    reply = Reply(
        answer,
        tuple(Button(title, f"preview:{index}") for index, title in enumerate(buttons)),
        language=language,
    )
    common = _content_warnings(answer)
    return _telegram(reply, common), _whatsapp(reply, common, language)


def _content_warnings(answer: str) -> list[PreviewWarning]:
    warnings = []
    if not answer.strip():
        warnings.append(PreviewWarning("empty_answer", {}))
    if answer.count("*") % 2:
        warnings.append(PreviewWarning("unbalanced_bold", {"count": answer.count("*")}))
    warnings += [
        PreviewWarning("markdown_not_supported", {"markup": markup})
        for markup, pattern in _FOREIGN_MARKUP.items()
        if pattern.search(answer)
    ]
    return warnings


def _telegram(reply: Reply, common: list[PreviewWarning]) -> ChannelPreview:
    sent, full = render_html(reply.text), _html(reply.text)
    warnings = list(common)
    bubble = sent
    if sent != full:  # the renderer cut it: the customer would miss the rest
        warnings.append(
            PreviewWarning("telegram_too_long", {"length": len(full), "limit": MAX_TEXT})
        )
        bubble = _mended(sent)
    markup = keyboard(reply)
    titles = (
        tuple(b.text for row in markup.inline_keyboard for b in row)
        if isinstance(markup, InlineKeyboardMarkup)
        else ()
    )
    return ChannelPreview(
        "telegram", (bubble,), titles, False, tuple(warnings), len(full), MAX_TEXT
    )


def _whatsapp(reply: Reply, common: list[PreviewWarning], language: str) -> ChannelPreview:
    bubbles: list[str] = []
    titles: list[str] = []
    texts, as_list = 0, False
    for message in wa.render(reply, language):
        if message["type"] == "text":
            texts += 1
            bubbles.append(_html(message["text"]["body"]))
            continue
        interactive: dict[str, Any] = message["interactive"]
        bubbles.append(_html(interactive["body"]["text"]))
        titles += _choices(interactive)
        as_list = as_list or interactive["type"] == "list"
    warnings = (*common, *_whatsapp_warnings(reply, texts, as_list, titles))
    return ChannelPreview(
        "whatsapp", tuple(bubbles), tuple(titles), as_list, warnings, len(reply.text), wa.TEXT_LIMIT
    )


def _choices(interactive: dict[str, Any]) -> list[str]:
    action = interactive["action"]
    if interactive["type"] == "button":
        return [button["reply"]["title"] for button in action["buttons"]]
    if interactive["type"] == "list":
        return [row["title"] for section in action["sections"] for row in section["rows"]]
    raise ValueError(f"unknown interactive message {interactive['type']!r}")  # renderer changed


def _whatsapp_warnings(
    reply: Reply, texts: int, as_list: bool, shown: list[str]
) -> list[PreviewWarning]:
    warnings = []
    if texts > 1:
        warnings.append(
            PreviewWarning("whatsapp_split", {"messages": texts, "limit": wa.TEXT_LIMIT})
        )
    if reply.buttons and texts:  # too long for an interactive body: text first, then the choice
        length, limit = len(reply.text), wa.INTERACTIVE_BODY_LIMIT
        warnings.append(
            PreviewWarning("whatsapp_buttons_separate", {"length": length, "limit": limit})
        )
    if as_list:
        values = {
            "count": len(reply.buttons),
            "limit": wa.BUTTONS_LIMIT,
            "title_limit": wa.BUTTON_TITLE_LIMIT,
        }
        warnings.append(PreviewWarning("whatsapp_list_instead_of_buttons", values))
    warnings += [
        PreviewWarning(
            "button_title_shortened",
            {"button": index, "length": len(button.title), "limit": wa.ROW_TITLE_LIMIT},
        )
        for index, (button, title) in enumerate(zip(reply.buttons, shown, strict=True), start=1)
        if title != button.title
    ]
    return warnings


def _html(text: str) -> str:
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def _mended(cut: str) -> str:
    # Telegram's cut can split an entity or a tag, or leave <b> open; the admin page must
    # not inherit broken markup (Telegram itself would refuse such a text).
    text = _CUT_TAIL.sub("", cut)
    return text + "</b>" if text.count("<b>") > text.count("</b>") else text


def _number(value: object, language: str) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        grouped = f"{value:,}"
        return grouped.replace(",", ".") if language == "de" else grouped
    return value
