"""The reply language: the text's when clear, else the contact's remembered one, the
messenger's hint, German."""

from __future__ import annotations

import pytest

from nlu.language import LanguageDetector


@pytest.mark.parametrize("prepared", [False, True])
def test_a_clear_text_decides_whether_or_not_the_models_were_loaded_beforehand(
    prepared: bool,
) -> None:
    detector = LanguageDetector()
    if prepared:
        detector.prepare()
    assert detector.detect("Wie lange dauert die Lieferung nach Wien?", "en", "en") == "de"
    assert detector.detect("How long does delivery to Vienna take?", "de", "de") == "en"


def test_a_single_word_keeps_what_we_know_then_the_hint_then_german() -> None:
    detector = LanguageDetector()
    assert detector.detect("Danke", "en", "de") == "en"
    assert detector.detect("Thanks", None, "en-GB") == "en"
    assert detector.detect("Thanks", None, "fr") == "de"
