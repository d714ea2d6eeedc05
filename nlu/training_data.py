"""Rasa training data, generated: the fixed intents from nlu/rasa plus the FAQ examples
from the database, so that an FAQ edit changes the model."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

RASA_DIR = Path(__file__).resolve().parent / "rasa"
BASE_INTENTS_FILE = RASA_DIR / "base_intents.yml"
CONFIG_FILE = RASA_DIR / "config.yml"

# Order numbers as customers type them: KR-204815, kr 204815 or just 204815. One pattern,
# so "KR-204815" is one match, not also a second one for its digits.
ORDER_ID_PATTERNS = (r"\b(?:kr[- ]?)?\d{6}\b",)
_ANNOTATION_CHARS = re.compile(r"[\[\]{}()]")


@dataclass(frozen=True, slots=True)
class IntentExamples:
    """Phrasings of one intent (all languages together: one model serves de and en)."""

    intent: str
    examples: tuple[str, ...]


def _example_lines(examples: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    lines = []
    for example in examples:
        # Brackets and braces are Rasa's annotation syntax; FAQ text must not create entities.
        clean = " ".join(_ANNOTATION_CHARS.sub(" ", example).split())
        if clean and clean.lower() not in seen:
            seen.add(clean.lower())
            lines.append(f"      - {clean}")
    return lines


def build_training_yaml(
    faq: Sequence[IntentExamples], base_intents: Path = BASE_INTENTS_FILE
) -> str:
    """One Rasa NLU YAML document: base intents, one intent per FAQ slug, order id regexes."""
    base = base_intents.read_text(encoding="utf-8").rstrip() + "\n"
    parts = [base, "\n  # generated from the FAQ entries in the database\n"]
    for item in sorted(faq, key=lambda i: i.intent):
        parts.append(f"  - intent: {item.intent}\n    examples: |\n")
        parts.append("\n".join(_example_lines(item.examples)) + "\n")
    parts.append("\n  - regex: order_id\n    examples: |\n")
    parts.append("\n".join(f"      - {pattern}" for pattern in ORDER_ID_PATTERNS) + "\n")
    return "".join(parts)


def training_hash(training_yaml: str, config: Path = CONFIG_FILE) -> str:
    """Names the model: same data and pipeline, same model, no retraining."""
    digest = hashlib.sha256()
    digest.update(config.read_bytes())
    digest.update(training_yaml.encode("utf-8"))
    return digest.hexdigest()[:16]


def base_intent_names(base_intents: Path = BASE_INTENTS_FILE) -> frozenset[str]:
    """The model's own intents (greet, order_status, ...): no FAQ topic may take their names."""
    text = base_intents.read_text(encoding="utf-8")
    return frozenset(re.findall(r"^\s*- intent: (\w+)\s*$", text, flags=re.MULTILINE))
