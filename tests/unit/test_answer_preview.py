"""The FAQ answer preview: bubbles and buttons as each channel's renderer sends them, shown
as safe HTML, and a warning for every limit an answer runs into (and none for a good one)."""

from __future__ import annotations

import pytest

from bot.answer_preview import CODES, ChannelPreview, PreviewWarning, preview_answer
from bot.channels.telegram_sender import render_html
from faq.model import FaqEntryData
from faq.seed import load_faq_file

DEMO = next(e for e in load_faq_file() if e.slug == "opening_hours" and e.language == "de")
LONG = "\n".join(f"• Zeile {index:04} mit etwas Text, damit sie lang wird" for index in range(110))

# One answer (and buttons) for every warning code: it must produce that warning.
EXAMPLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "empty_answer": ("  \n", ()),
    "unbalanced_bold": ("*Versand\n• frei ab 150 €", ()),
    "markdown_not_supported": ("**Versand** frei", ()),
    "telegram_too_long": ("x" * 5000, ()),
    "whatsapp_split": ("x" * 5000, ()),
    "whatsapp_buttons_separate": ("x" * 1100, ("Ja", "Nein")),
    "whatsapp_list_instead_of_buttons": ("Wobei?", ("A", "B", "C", "D")),
    "button_title_shortened": ("Wobei?", ("Lieferung an Packstation?",)),
}


def codes(preview: ChannelPreview) -> list[str]:
    """The warning codes of one channel's preview, in order."""
    return [warning.code for warning in preview.warnings]


def warning(preview: ChannelPreview, code: str) -> PreviewWarning:
    """The one warning with this code."""
    [found] = [w for w in preview.warnings if w.code == code]
    return found


@pytest.mark.parametrize("entry", load_faq_file(), ids=lambda e: f"{e.slug}-{e.language}")
def test_the_demo_answers_preview_without_warnings(entry: FaqEntryData) -> None:
    answer = entry.answer
    telegram, whatsapp = preview_answer(answer, ("Mitarbeiter", "Bestellstatus"))
    assert codes(telegram) == []
    assert codes(whatsapp) == []
    assert telegram.bubbles == (render_html(answer),)  # what the sender sends, untouched
    assert whatsapp.as_list is False


def test_bold_becomes_b_and_line_breaks_stay_on_both_channels() -> None:
    for preview in preview_answer(DEMO.answer):
        [bubble] = preview.bubbles
        assert bubble.startswith("<b>Servicezeiten (Telefon und Chat mit Mitarbeitern)</b>\n• ")
        assert "*" not in bubble
        assert bubble.count("\n") == DEMO.answer.count("\n")


def test_html_in_an_answer_stays_inert_text() -> None:
    answer = '<script>alert("x")</script> & <b onclick="x">*fett*</b>'
    for preview in preview_answer(answer, ("<i>Ja</i>",)):
        html = "".join(preview.bubbles)
        assert "<script" not in html
        assert "<b onclick" not in html
        assert html.startswith('&lt;script&gt;alert("x")&lt;/script&gt; &amp; &lt;b onclick')
        assert "<b>fett</b>" in html
        assert preview.buttons == ("<i>Ja</i>",)  # titles are plain text for the page to escape


def test_a_long_answer_is_two_whatsapp_messages_and_cut_off_on_telegram() -> None:
    answer = "x" * 5000
    telegram, whatsapp = preview_answer(answer)
    assert len(whatsapp.bubbles) == 2
    assert "".join(whatsapp.bubbles) == answer
    assert warning(whatsapp, "whatsapp_split").values == {"messages": 2, "limit": 4096}
    assert (whatsapp.characters, whatsapp.limit) == (5000, 4096)
    assert telegram.bubbles == ("x" * 4096,)
    assert warning(telegram, "telegram_too_long").values == {"length": 5000, "limit": 4096}
    assert (telegram.characters, telegram.limit) == (5000, 4096)
    assert "whatsapp_split" not in codes(telegram)
    assert "telegram_too_long" not in codes(whatsapp)


def test_whatsapp_splits_between_lines() -> None:
    _, whatsapp = preview_answer(LONG)
    assert len(LONG) > 4096
    assert len(whatsapp.bubbles) == 2
    assert all(bubble.startswith("• Zeile") for bubble in whatsapp.bubbles)


def test_an_answer_just_within_the_limit_has_no_length_warnings() -> None:
    telegram, whatsapp = preview_answer("x" * 4096)
    assert codes(telegram) == codes(whatsapp) == []
    assert len(whatsapp.bubbles) == 1


def test_bold_markup_counts_towards_telegrams_limit() -> None:
    answer = "*Titel*\n" + "x" * 4085  # 4,093 characters, 4,098 as HTML
    telegram, whatsapp = preview_answer(answer)
    assert warning(telegram, "telegram_too_long").values == {"length": 4098, "limit": 4096}
    assert codes(whatsapp) == []


def test_a_cut_through_bold_or_an_entity_leaves_well_formed_html() -> None:
    telegram, _ = preview_answer("x" * 4090 + "*fett und lang*")
    assert telegram.bubbles == ("x" * 4090 + "<b>fet</b>",)
    telegram, _ = preview_answer("x" * 4094 + "& mehr")
    assert telegram.bubbles == ("x" * 4094,)
    telegram, _ = preview_answer("x" * 4087 + "*fett* und mehr")  # cut inside </b>
    assert telegram.bubbles == ("x" * 4087 + "<b>fett</b>",)


def test_buttons_with_a_long_answer_follow_in_their_own_whatsapp_message() -> None:
    answer = "x" * 1100
    for language, pick in (("de", "Bitte wählen Sie:"), ("en", "Please choose:")):
        telegram, whatsapp = preview_answer(answer, ("Ja", "Nein"), language)
        assert whatsapp.bubbles == (answer, pick)
        assert whatsapp.buttons == ("Ja", "Nein")
        assert warning(whatsapp, "whatsapp_buttons_separate").values == {
            "length": 1100,
            "limit": 1024,
        }
        assert telegram.bubbles == (answer,)
        assert codes(telegram) == []


def test_three_short_buttons_are_reply_buttons() -> None:
    telegram, whatsapp = preview_answer("Wobei?", ("Bestellstatus", "Versandkosten", "Mitarbeiter"))
    assert whatsapp.as_list is False
    assert whatsapp.buttons == telegram.buttons == ("Bestellstatus", "Versandkosten", "Mitarbeiter")
    assert whatsapp.bubbles == ("Wobei?",)
    assert codes(whatsapp) == []


def test_four_buttons_become_a_whatsapp_list() -> None:
    titles = ("Bestellstatus", "Versandkosten", "Rücksendung", "Mitarbeiter")
    telegram, whatsapp = preview_answer("Wobei?", titles)
    assert whatsapp.as_list is True
    assert whatsapp.buttons == titles
    assert warning(whatsapp, "whatsapp_list_instead_of_buttons").values == {
        "count": 4,
        "limit": 3,
        "title_limit": 20,
    }
    assert telegram.as_list is False
    assert telegram.buttons == titles
    assert codes(telegram) == []


def test_more_than_ten_buttons_are_two_lists() -> None:
    titles = tuple(f"Thema {index}" for index in range(12))
    _, whatsapp = preview_answer("Wobei?", titles, "en")
    assert whatsapp.bubbles == ("Wobei?", "More options:")
    assert whatsapp.buttons == titles


def test_a_25_character_title_is_shortened_in_the_whatsapp_list() -> None:
    title = "Lieferung an Packstation?"
    assert len(title) == 25
    telegram, whatsapp = preview_answer("Wobei?", ("Ja", title))
    [_, shown] = whatsapp.buttons
    assert shown.endswith("…")
    assert len(shown) <= 24
    assert whatsapp.as_list is True
    assert warning(whatsapp, "button_title_shortened").values == {
        "button": 2,
        "length": 25,
        "limit": 24,
    }
    assert telegram.buttons == ("Ja", title)
    assert "button_title_shortened" not in codes(telegram)


def test_a_title_over_20_but_within_24_characters_is_a_list_but_not_shortened() -> None:
    title = "Versandkosten Ausland"  # 21 characters
    _, whatsapp = preview_answer("Wobei?", (title,))
    assert whatsapp.as_list is True
    assert whatsapp.buttons == (title,)
    assert "button_title_shortened" not in codes(whatsapp)


@pytest.mark.parametrize("answer", ["", "   ", "\n\n"])
def test_an_empty_answer_is_warned_about_on_both_channels(answer: str) -> None:
    for preview in preview_answer(answer):
        assert codes(preview) == ["empty_answer"]


@pytest.mark.parametrize("answer", ["*Versand\n• frei", "Versand* frei", "*a* *b"])
def test_an_odd_number_of_stars_is_warned_about(answer: str) -> None:
    for preview in preview_answer(answer):
        assert "unbalanced_bold" in codes(preview)
        assert warning(preview, "unbalanced_bold").values == {"count": answer.count("*")}


def test_balanced_stars_are_not_warned_about() -> None:
    for preview in preview_answer("*Versand* frei ab *150 €*"):
        assert codes(preview) == []


@pytest.mark.parametrize(
    ("answer", "markup"),
    [
        ("**Versand** frei", "**…**"),
        ("Versand _kostenlos_ ab 150 €", "_…_"),
        ("Siehe [AGB](https://kramer.example/agb)", "[…](…)"),
        ("# Versand\n• frei", "# …"),
        ("*Versand*\n## Kosten", "# …"),
    ],
)
def test_markdown_the_channels_do_not_show_is_warned_about(answer: str, markup: str) -> None:
    for preview in preview_answer(answer):
        assert warning(preview, "markdown_not_supported").values == {"markup": markup}


@pytest.mark.parametrize(
    "answer",
    [
        "Schreiben Sie an kunden_service@kramer.example",
        "Artikel art_nr_4711 und https://kramer.example/a_b_c",
        "Bestellung #4711 ist unterwegs",
        "Preis [inkl. MwSt.] 19 €",
    ],
)
def test_underscores_hashes_and_brackets_in_plain_text_are_fine(answer: str) -> None:
    for preview in preview_answer(answer):
        assert codes(preview) == []


@pytest.mark.parametrize("code", CODES)
def test_every_warning_has_an_example_and_wording_in_both_languages(code: str) -> None:
    answer, buttons = EXAMPLES[code]
    found = [w for preview in preview_answer(answer, buttons) for w in preview.warnings]
    example = next(w for w in found if w.code == code)
    german, english = example.text("de"), example.text("en")
    assert german
    assert english
    assert german != english
    assert "{" not in german + english
    assert example.text("fr") == german  # a language we do not speak falls back to German


def test_the_examples_cover_exactly_the_codes() -> None:
    assert set(EXAMPLES) == set(CODES)


def test_numbers_in_warnings_are_grouped_per_language() -> None:
    telegram, _ = preview_answer("x" * 5000)
    too_long = warning(telegram, "telegram_too_long")
    assert "4.096" in too_long.text("de")
    assert "5.000" in too_long.text("de")
    assert "4,096" in too_long.text("en")
