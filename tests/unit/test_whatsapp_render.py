"""Our replies as WhatsApp messages: reply buttons, lists, split texts and the template, each
checked against the limits the Graph API stand-in enforces (Meta's documented ones)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.whatsapp_render import render, shorten, split_text, template
from bot.messages import Button, Reply
from tests.graph_standin import message_problems


def checked(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rendered messages, after asserting Meta would take every one."""
    for message in messages:
        assert message_problems(message) == [], message
    return messages


def buttons(*titles: str) -> tuple[Button, ...]:
    """Buttons with payloads opt:0, opt:1, ..."""
    return tuple(Button(title, f"opt:{index}") for index, title in enumerate(titles))


def rows(message: dict[str, Any]) -> list[dict[str, str]]:
    """All rows of a list message."""
    sections = message["interactive"]["action"]["sections"]
    return [row for section in sections for row in section["rows"]]


def option_ids(messages: list[dict[str, Any]]) -> list[str]:
    """The payloads a customer can answer with, across all rendered messages."""
    found: list[str] = []
    for message in messages:
        if message["type"] != "interactive":
            continue
        interactive = message["interactive"]
        if interactive["type"] == "button":
            found += [b["reply"]["id"] for b in interactive["action"]["buttons"]]
        else:
            found += [row["id"] for row in rows(message)]
    return found


def test_a_plain_text_is_one_text_message_without_link_previews() -> None:
    assert checked(render(Reply("Versand ist ab 150 € frei."))) == [
        {"type": "text", "text": {"body": "Versand ist ab 150 € frei.", "preview_url": False}}
    ]


def test_up_to_three_short_buttons_become_reply_buttons() -> None:
    reply = Reply(
        "Wobei kann ich helfen?", buttons("Bestellstatus", "Versandkosten", "Mitarbeiter")
    )
    [message] = checked(render(reply))
    assert message == {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": "Wobei kann ich helfen?"},
            "action": {
                "buttons": [
                    {"type": "reply", "reply": {"id": "opt:0", "title": "Bestellstatus"}},
                    {"type": "reply", "reply": {"id": "opt:1", "title": "Versandkosten"}},
                    {"type": "reply", "reply": {"id": "opt:2", "title": "Mitarbeiter"}},
                ]
            },
        },
    }


def test_a_title_of_exactly_twenty_characters_still_fits_a_reply_button() -> None:
    [message] = checked(render(Reply("Frage?", buttons("x" * 20))))
    assert message["interactive"]["type"] == "button"


def test_four_buttons_become_a_list_with_a_choose_button_in_the_replys_language() -> None:
    reply = Reply("Worum geht es?", buttons("Bestellung", "Rechnung", "Lieferung", "Sonstiges"))
    [german] = checked(render(reply, "de"))
    [english] = checked(render(reply, "en"))
    assert german["interactive"]["type"] == "list"
    assert german["interactive"]["body"] == {"text": "Worum geht es?"}
    assert german["interactive"]["action"]["button"] == "Auswählen"
    assert english["interactive"]["action"]["button"] == "Choose"
    assert rows(german) == [
        {"id": "opt:0", "title": "Bestellung"},
        {"id": "opt:1", "title": "Rechnung"},
        {"id": "opt:2", "title": "Lieferung"},
        {"id": "opt:3", "title": "Sonstiges"},
    ]


def test_one_title_over_twenty_characters_makes_a_list_with_its_full_wording_kept() -> None:
    long_title = "Lieferstatus meiner Bestellung prüfen"  # 37 characters
    reply = Reply("Was möchten Sie tun?", buttons("Mitarbeiter", long_title))
    [message] = checked(render(reply))
    assert message["interactive"]["type"] == "list"
    first, second = rows(message)
    assert first == {"id": "opt:0", "title": "Mitarbeiter"}  # short: no description
    assert second["title"] == "Lieferstatus meiner…"  # cut at a word, marked
    assert second["description"] == long_title


def test_a_title_of_21_to_24_characters_fits_a_row_unshortened() -> None:
    title = "Rücksendung anmelden!!"  # 22 characters: too long for a button, fine for a row
    [message] = checked(render(Reply("Und jetzt?", buttons(title))))
    assert rows(message) == [{"id": "opt:0", "title": title}]


def test_more_than_ten_options_become_several_lists_none_lost() -> None:
    titles = [f"Filiale {city}" for city in "ABCDEFGHIJKLMNOPQRSTUVW"]  # 23 options
    messages = checked(render(Reply("Welche Filiale?", buttons(*titles)), "en"))
    assert [len(rows(m)) for m in messages] == [10, 10, 3]
    assert [m["interactive"]["body"]["text"] for m in messages] == [
        "Welche Filiale?",
        "More options:",
        "More options:",
    ]
    assert option_ids(messages) == [f"opt:{index}" for index in range(23)]


def test_a_text_over_4096_characters_is_split_between_lines() -> None:
    lines = [f"Position {index:03}: Kappsäge, Schleifpapier und Zubehör" for index in range(200)]
    text = "\n".join(lines)
    assert len(text) > 2 * 4096
    messages = checked(render(Reply(text)))
    pieces = [m["text"]["body"] for m in messages]
    assert len(pieces) == 3
    assert all(len(piece) <= 4096 for piece in pieces)
    assert all(set(piece.split("\n")) <= set(lines) for piece in pieces)  # whole lines only
    assert "\n".join(pieces) == text


def test_a_long_text_without_line_breaks_is_split_between_words() -> None:
    words = [f"wort{index}" for index in range(1200)]
    pieces = split_text(" ".join(words), 4096)
    assert len(pieces) == 3
    assert all(len(piece) <= 4096 for piece in pieces)
    assert " ".join(pieces).split() == words


def test_a_single_word_longer_than_the_limit_is_cut_hard() -> None:
    assert split_text("x" * 10, 4) == ["xxxx", "xxxx", "xx"]


def test_an_interactive_body_over_1024_characters_goes_as_text_first_then_the_choice() -> None:
    text = "Unsere Lieferbedingungen: " + "Wir liefern werktags. " * 60  # over 1024
    reply = Reply(text, buttons("Verstanden", "Mitarbeiter"), language="en")
    first, choice = checked(render(reply, "en"))
    assert first == {"type": "text", "text": {"body": text, "preview_url": False}}
    assert choice["interactive"]["type"] == "button"
    assert choice["interactive"]["body"]["text"] == "Please choose:"
    assert option_ids([choice]) == ["opt:0", "opt:1"]


def test_a_body_of_exactly_1024_characters_stays_in_the_interactive_message() -> None:
    [message] = checked(render(Reply("x" * 1024, buttons("Ja", "Nein"))))
    assert message["interactive"]["body"]["text"] == "x" * 1024


def test_the_template_carries_our_text_as_its_one_body_parameter() -> None:
    message = template("servicebot_followup", "en_US", "Ihre Bestellung\n\nist   unterwegs.")
    assert checked([message]) == [
        {
            "type": "template",
            "template": {
                "name": "servicebot_followup",
                "language": {"code": "en_US"},
                "components": [
                    {
                        "type": "body",
                        # Meta refuses parameters with new lines, tabs or runs of spaces
                        "parameters": [{"type": "text", "text": "Ihre Bestellung ist unterwegs."}],
                    }
                ],
            },
        }
    ]


def test_a_template_parameter_is_shortened_to_1024_characters() -> None:
    message = template("servicebot_followup", "de", "Wort " * 400)
    [parameter] = message["template"]["components"][0]["parameters"]
    assert len(parameter["text"]) <= 1024
    assert parameter["text"].endswith("Wort…")
    checked([message])


def test_shorten_cuts_after_a_whole_word_and_marks_the_cut() -> None:
    assert shorten("kurz", 24) == "kurz"
    assert shorten("Lieferstatus meiner Bestellung prüfen", 24) == "Lieferstatus meiner…"
    assert shorten("Donaudampfschifffahrtsgesellschaft", 24) == "Donaudampfschifffahrtsg…"
    assert shorten("Lieferschein, Gutschrift und Rechnung", 24) == "Lieferschein…"
    # No space in the second half: better a cut word than a title of a few letters.
    assert shorten("Rechnung, Lieferscheinkopie", 20) == "Rechnung, Liefersch…"


TITLES = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=40,
).filter(str.strip)
WORDS = st.lists(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzäöüß.,", min_size=1, max_size=15), min_size=1
)


@settings(max_examples=200, deadline=None)
@given(
    words=WORDS,
    separators=st.sampled_from([" ", "\n", " \n"]),
    repeat=st.integers(1, 700),
    titles=st.lists(TITLES, max_size=25),
    language=st.sampled_from(["de", "en"]),
)
def test_every_rendered_reply_is_within_whatsapps_limits_and_keeps_every_option(
    words: list[str], separators: str, repeat: int, titles: list[str], language: str
) -> None:
    text = separators.join(words * repeat)
    messages = checked(render(Reply(text, buttons(*titles)), language))
    assert option_ids(messages) == [f"opt:{index}" for index in range(len(titles))]
    rendered = " ".join(
        m["text"]["body"] if m["type"] == "text" else m["interactive"]["body"]["text"]
        for m in messages
    )
    assert set(text.split()) <= set(rendered.split())  # no word of ours is lost


def _reply_buttons(*pairs: tuple[str, str], body: str = "Frage?") -> dict[str, Any]:
    """A reply-button message written by hand (not by render)."""
    return {
        "type": "interactive",
        "interactive": {
            "type": "button",
            "body": {"text": body},
            "action": {
                "buttons": [{"type": "reply", "reply": {"id": i, "title": t}} for i, t in pairs]
            },
        },
    }


def _list(*row_list: dict[str, str], button: str = "Auswählen") -> dict[str, Any]:
    """A list message of one section written by hand."""
    return {
        "type": "interactive",
        "interactive": {
            "type": "list",
            "body": {"text": "Frage?"},
            "action": {"button": button, "sections": [{"rows": list(row_list)}]},
        },
    }


REFUSED = {
    "four reply buttons": _reply_buttons(("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")),
    "a button title of 21": _reply_buttons(("a", "x" * 21)),
    "two buttons with one id": _reply_buttons(("a", "A"), ("a", "B")),
    "an interactive body of 1025": _reply_buttons(("a", "A"), body="x" * 1025),
    "an empty body": _reply_buttons(("a", "A"), body=""),
    "eleven rows": _list(*({"id": str(n), "title": "T"} for n in range(11))),
    "a row title of 25": _list({"id": "a", "title": "x" * 25}),
    "a description of 73": _list({"id": "a", "title": "T", "description": "x" * 73}),
    "a list button of 21": _list({"id": "a", "title": "T"}, button="x" * 21),
    "a text of 4097": {"type": "text", "text": {"body": "x" * 4097}},
    "preview_url as text": {"type": "text", "text": {"body": "x", "preview_url": "no"}},
    "a parameter with a new line": {
        "type": "template",
        "template": {
            "name": "servicebot_followup",
            "language": {"code": "de"},
            "components": [{"type": "body", "parameters": [{"type": "text", "text": "a\nb"}]}],
        },
    },
    "an image": {"type": "image", "image": {"id": "1"}},
}


@pytest.mark.parametrize("case", REFUSED, ids=str)
def test_the_standins_checker_refuses_what_meta_refuses(case: str) -> None:
    assert message_problems(REFUSED[case]) != []
