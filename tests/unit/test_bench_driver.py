"""The benchmark driver's delivery check: the privacy notice is not an answer, and a
second answer is counted as a duplicate."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from bench.driver import LoadDriver, TimedStandin, percentile
from bot.channels.telegram_sender import render_html
from handlers.texts import text


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_notice_as_telegram_shows_it_is_not_an_answer(language: str) -> None:
    standin = TimedStandin()
    notice = text("disclosure", language).format(policy_url="https://example.com/privacy")
    standin.record(7, "bot", render_html(notice))
    standin.record(7, "bot", "Versand ab 150 € netto ist frei.")
    assert standin.notices == {7: 1}
    assert len(standin.answers[7]) == 1


def test_a_second_answer_or_notice_counts_as_a_duplicate() -> None:
    standin = TimedStandin()
    driver = LoadDriver(standin, MagicMock())
    notice = render_html(text("disclosure", "de").format(policy_url="https://x.test/p"))
    for chat in (1, 2):
        standin.record(chat, "bot", notice)
        standin.record(chat, "bot", "Antwort")
    standin.record(1, "bot", "Antwort")
    standin.record(2, "bot", notice)
    assert driver._surplus({1: 1, 2: 1}) == 2
    assert driver._surplus({1: 2, 2: 1}) == 1


def test_percentile_is_the_nearest_rank() -> None:
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 0.5) == 50.0
    assert percentile([3.0], 0.95) == 3.0
