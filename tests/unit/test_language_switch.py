"""Which messages ask the bot to change its language, and which only mention a language."""

from __future__ import annotations

import pytest

from handlers.language_switch import requested_language


@pytest.mark.parametrize(
    ("message_text", "language"),
    [
        ("English please", "en"),
        ("english pls", "en"),
        ("Can you speak English?", "en"),
        ("Could we continue in English, please?", "en"),
        ("Sprechen Sie Englisch?", "en"),
        ("bitte auf englisch", "en"),
        ("/en", "en"),
        ("Deutsch bitte", "de"),
        ("können wir auf deutsch weiter schreiben?", "de"),
        ("Do you speak German?", "de"),
        ("in german please", "de"),
        ("/deutsch", "de"),
    ],
)
def test_requests_to_switch_name_the_language(message_text: str, language: str) -> None:
    assert requested_language(message_text) == language


@pytest.mark.parametrize(
    "message_text",
    [
        "Gibt es die Bedienungsanleitung auf Englisch?",
        "Do you have the manual in German?",
        "I am a German customer and need an invoice copy",
        "english and german",
        "Wie lange dauert die Lieferung?",
        "",
        "/start",
    ],
)
def test_messages_that_only_mention_a_language_are_left_to_the_model(message_text: str) -> None:
    assert requested_language(message_text) is None
