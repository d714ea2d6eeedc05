"""Evaluation scores: what counts as right, as safely unanswered and as confidently wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faq.seed import load_faq_file
from nlu.decision import Action, Decision
from nlu.evaluation.metrics import (
    BLIND_FILE,
    DEV_FILE,
    FRESH_FILE,
    HELD_OUT_FILE,
    REPORTING_FILES,
    SEALED_FILE,
    Labelled,
    Outcome,
    load_labelled,
    summarise,
)
from nlu.training_data import IntentExamples, build_training_yaml


def outcome(expected: str, action: Action, intent: str) -> Outcome:
    """One message's label and the bot's decision."""
    return Outcome(Labelled("t", expected, "de"), Decision(action, intent, 0.9))


REPORT = summarise(
    [
        outcome("shipping_costs", Action.ANSWER_FAQ, "shipping_costs"),  # right
        outcome("shipping_costs", Action.ANSWER_FAQ, "delivery_time"),  # confidently wrong
        outcome("delivery_time", Action.CLARIFY, "delivery_time"),  # safe, not answered
        outcome("greet", Action.SMALLTALK, "greet"),  # right
        outcome("out_of_scope", Action.FALLBACK, "out_of_scope"),  # rejected
        outcome("out_of_scope", Action.ANSWER_FAQ, "returns"),  # answered with an FAQ
        outcome("out_of_scope", Action.SMALLTALK, "greet"),  # acted, wrong, not an FAQ
        outcome("out_of_scope", Action.FALLBACK, "shipping_costs"),  # low confidence: rejected
    ]
)


@pytest.mark.parametrize(
    ("metric", "value"),
    [
        ("in_scope_intent_accuracy", 0.75),  # 3 of 4 top intents right
        ("in_scope_answered_correctly", 0.5),  # the clarify is safe but not an answer
        ("out_of_scope_rejected", 0.5),
        ("out_of_scope_answered_with_faq", 0.25),
        ("confident_wrong_of_all", 0.375),  # 3 of 8
    ],
)
def test_headline_rates(metric: str, value: float) -> None:
    assert REPORT[metric] == value


def test_precision_and_recall_per_intent() -> None:
    assert REPORT["per_intent"]["shipping_costs"] == {"support": 2, "precision": 1.0, "recall": 0.5}
    assert REPORT["per_intent"]["greet"] == {"support": 1, "precision": 0.5, "recall": 1.0}
    assert "out_of_scope" not in REPORT["per_intent"]


def test_confusions_and_wrong_answers_are_listed() -> None:
    assert {"expected": "shipping_costs", "predicted": "delivery_time", "count": 1} in REPORT[
        "confusions"
    ]
    assert len(REPORT["confident_wrong"]) == 3


def test_each_evaluation_set_gets_its_own_headline_besides_the_pooled_one() -> None:
    report = summarise(
        [
            Outcome(
                Labelled("a", "returns", "de", "blind"), Decision(Action.ANSWER_FAQ, "returns", 0.9)
            ),
            Outcome(
                Labelled("b", "returns", "en", "fresh"), Decision(Action.FALLBACK, "returns", 0.3)
            ),
            Outcome(
                Labelled("c", "returns", "en", "fresh"),
                Decision(Action.ANSWER_FAQ, "newsletter", 0.9),
            ),
        ]
    )
    assert report["in_scope_answered_correctly"] == round(1 / 3, 4)
    assert report["per_set"]["blind"]["in_scope_answered_correctly"] == 1.0
    assert report["per_set"]["fresh"]["in_scope_answered_correctly"] == 0.0
    assert report["per_set"]["fresh"]["confident_wrong_of_all"] == 0.5
    assert report["per_set"]["fresh"]["messages"] == 2
    assert report["confident_wrong"][0]["set"] == "fresh"


@pytest.mark.parametrize("evaluation_file", REPORTING_FILES, ids=lambda path: path.stem)
def test_each_reporting_set_is_large_bilingual_and_covers_out_of_scope(
    evaluation_file: Path,
) -> None:
    labelled = load_labelled(evaluation_file)
    assert len(labelled) >= 150
    assert {e.language for e in labelled} == {"de", "en"}
    assert sum(e.intent == "out_of_scope" for e in labelled) >= 30


def _normalised(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


@pytest.mark.parametrize(
    "evaluation_file",
    [HELD_OUT_FILE, DEV_FILE, BLIND_FILE, FRESH_FILE, SEALED_FILE],
    ids=["held_out", "dev", "blind", "fresh", "sealed"],
)
def test_no_evaluation_message_is_in_the_training_data(evaluation_file: Path) -> None:
    training = build_training_yaml([IntentExamples(e.slug, e.examples) for e in load_faq_file()])
    examples = {
        _normalised(re.sub(r"\[([^\]]*)\]\(\w+\)", r"\1", line.strip()[2:]))
        for line in training.splitlines()
        if line.strip().startswith("- ")
    }
    leaked = [e.text for e in load_labelled(evaluation_file) if _normalised(e.text) in examples]
    assert leaked == []
