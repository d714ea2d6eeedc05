"""German or English? Per message, with the messenger's hint and the contact's memory."""

from __future__ import annotations

from lingua import Language, LanguageDetectorBuilder
from lingua import LanguageDetector as _Detector

SUPPORTED = ("de", "en")
DEFAULT_LANGUAGE = "de"
_CODES = {Language.GERMAN: "de", Language.ENGLISH: "en"}


class LanguageDetector:
    """Detects de/en; too short or mixed text falls back to what we already know."""

    def __init__(self, minimum_relative_distance: float = 0.2) -> None:
        self._distance = minimum_relative_distance
        self._detector = self._build(preloaded=False)  # lingua loads models on first use

    def _build(self, preloaded: bool) -> _Detector:
        builder = LanguageDetectorBuilder.from_languages(*_CODES)
        builder = builder.with_minimum_relative_distance(self._distance)
        return (builder.with_preloaded_language_models() if preloaded else builder).build()

    def prepare(self) -> None:
        """Load the models now (about a second): loaded on first use, they would stall the
        first customer's message."""
        self._detector = self._build(preloaded=True)

    def detect(self, text: str, remembered: str | None, hint: str | None) -> str:
        """The language to answer in: the text's if clear, else remembered, hint, default."""
        detected = self._detector.detect_language_of(text) if len(text.split()) >= 2 else None
        if detected is not None:
            return _CODES[detected]
        if remembered in SUPPORTED:
            return remembered
        hint_code = (hint or "").split("-")[0].lower()
        return hint_code if hint_code in SUPPORTED else DEFAULT_LANGUAGE
