"""Scores of the bot's decisions against labelled messages: what customers would have got."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from nlu.decision import ACTING, Action, Decision

HELD_OUT_FILE = Path(__file__).resolve().parent / "held_out.yaml"  # for reporting only
DEV_FILE = Path(__file__).resolve().parent / "dev.yaml"  # for tuning thresholds and data
# Written from facts.yaml by people who saw no training data and no other set; reporting only.
BLIND_FILE = Path(__file__).resolve().parent / "blind.yaml"
FRESH_FILE = Path(__file__).resolve().parent / "fresh.yaml"
# Written last, like blind and fresh; only ever scored, its errors never studied.
SEALED_FILE = Path(__file__).resolve().parent / "sealed.yaml"
# What `servicebot nlu evaluate` scores unless told otherwise: every set not used for tuning.
REPORTING_FILES = (HELD_OUT_FILE, BLIND_FILE, FRESH_FILE, SEALED_FILE)
OUT_OF_SCOPE = "out_of_scope"
# The rates reported for each evaluation set besides the pooled figures.
HEADLINE_KEYS = (
    "messages",
    "in_scope_intent_accuracy",
    "in_scope_answered_correctly",
    "out_of_scope_rejected",
    "out_of_scope_answered_with_faq",
    "confident_wrong_of_all",
)


@dataclass(frozen=True, slots=True)
class Labelled:
    """A customer message and the intent a correct bot acts on."""

    text: str
    intent: str
    language: str
    source: str = ""  # the evaluation set it comes from


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the bot decided for one labelled message."""

    example: Labelled
    decision: Decision

    @property
    def acted(self) -> bool:
        """The bot committed to an intent (answered, routed or chatted)."""
        return self.decision.action in ACTING

    @property
    def correct(self) -> bool:
        """It acted on the right intent (or, out of scope, did not act)."""
        if self.example.intent == OUT_OF_SCOPE:
            return not self.acted
        return self.acted and self.decision.intent == self.example.intent

    @property
    def confidently_wrong(self) -> bool:
        """It acted, on the wrong intent: the failure customers hate."""
        return self.acted and self.decision.intent != self.example.intent


def load_labelled(path: Path = HELD_OUT_FILE) -> list[Labelled]:
    """The labelled messages of an evaluation file."""
    document: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Labelled(str(m["text"]), str(m["intent"]), str(m.get("language", "")), path.stem)
        for m in document["messages"]
    ]


def _rate(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Accuracy, per-intent precision/recall, confusions, out-of-scope handling, wrong answers,
    and the headline rates of each evaluation set the outcomes come from."""
    sources = sorted({o.example.source for o in outcomes})
    report = _summarise_pooled(outcomes)
    report["per_set"] = {
        source: _headline(_summarise_pooled([o for o in outcomes if o.example.source == source]))
        for source in sources
    }
    return report


def _headline(report: dict[str, Any]) -> dict[str, Any]:
    return {key: report[key] for key in HEADLINE_KEYS}


def _summarise_pooled(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    in_scope = [o for o in outcomes if o.example.intent != OUT_OF_SCOPE]
    out_of_scope = [o for o in outcomes if o.example.intent == OUT_OF_SCOPE]
    top_correct = sum(o.decision.intent == o.example.intent for o in in_scope)
    predicted = Counter(o.decision.intent for o in outcomes if o.acted)
    expected = Counter(o.example.intent for o in outcomes)
    hits = Counter(o.example.intent for o in outcomes if o.acted and o.correct)
    per_intent = {
        intent: {
            "support": expected[intent],
            "precision": _rate(hits[intent], predicted[intent]),
            "recall": _rate(hits[intent], expected[intent]),
        }
        for intent in sorted(expected)
        if intent != OUT_OF_SCOPE
    }
    confusions = Counter(
        (o.example.intent, o.decision.intent)
        for o in outcomes
        if o.decision.intent != o.example.intent
    )
    actions = Counter(o.decision.action.value for o in outcomes)
    return {
        "messages": len(outcomes),
        "in_scope": len(in_scope),
        "out_of_scope": len(out_of_scope),
        "in_scope_intent_accuracy": _rate(top_correct, len(in_scope)),
        "in_scope_answered_correctly": _rate(sum(o.correct for o in in_scope), len(in_scope)),
        "out_of_scope_rejected": _rate(sum(not o.acted for o in out_of_scope), len(out_of_scope)),
        "out_of_scope_answered_with_faq": _rate(
            sum(o.decision.action is Action.ANSWER_FAQ for o in out_of_scope), len(out_of_scope)
        ),
        "confident_wrong_of_all": _rate(sum(o.confidently_wrong for o in outcomes), len(outcomes)),
        "actions": dict(sorted(actions.items())),
        "per_intent": per_intent,
        "confusions": [
            {"expected": want, "predicted": got, "count": n}
            for (want, got), n in confusions.most_common()
        ],
        "confident_wrong": [
            {
                "text": o.example.text,
                "set": o.example.source,
                "expected": o.example.intent,
                "predicted": o.decision.intent,
                "confidence": round(o.decision.confidence, 3),
            }
            for o in outcomes
            if o.confidently_wrong
        ],
    }
