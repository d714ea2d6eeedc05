"""Training data generation and the trainer's bookkeeping (with a stand-in `rasa` script;
the real Rasa trains in `make setup` and serves the e2e tests)."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import yaml

from nlu.trainer import TrainingError, current_model, mark_current, prune_models, train
from nlu.training_data import IntentExamples, build_training_yaml, training_hash

FAQ = [
    IntentExamples("shipping_costs", ("Was kostet der Versand?", "versandkosten", "VERSANDKOSTEN")),
    IntentExamples("returns", ("Rücksendung [bitte] (schnell)", "return {label}")),
]


def intents(document: str) -> dict[str, list[str]]:
    """Intent name -> examples of a Rasa NLU YAML document."""
    parsed = yaml.safe_load(document)
    return {
        item["intent"]: [line[2:] for line in item["examples"].splitlines()]
        for item in parsed["nlu"]
        if "intent" in item
    }


def test_faq_examples_become_intents_beside_the_base_intents() -> None:
    data = intents(build_training_yaml(FAQ))
    assert data["shipping_costs"] == ["Was kostet der Versand?", "versandkosten"]
    assert {"greet", "goodbye", "thanks", "order_status", "out_of_scope"} <= data.keys()


def test_faq_text_cannot_inject_rasa_annotations() -> None:
    assert intents(build_training_yaml(FAQ))["returns"] == [
        "Rücksendung bitte schnell",
        "return label",
    ]


def test_the_order_number_regex_is_part_of_the_data() -> None:
    parsed = yaml.safe_load(build_training_yaml(FAQ))
    [regex] = [item for item in parsed["nlu"] if item.get("regex") == "order_id"]
    assert "kr" in regex["examples"]


def test_the_hash_changes_with_the_faq_and_only_then() -> None:
    first = training_hash(build_training_yaml(FAQ))
    assert training_hash(build_training_yaml(list(reversed(FAQ)))) == first
    edited = [*FAQ, IntentExamples("newsletter", ("newsletter abbestellen",))]
    assert training_hash(build_training_yaml(edited)) != first


FAKE_RASA = """#!/usr/bin/env bash
# Prints what `rasa train nlu` prints, then writes the model file it was asked for.
out=""; name=""
while [ $# -gt 0 ]; do
  case "$1" in --out) out="$2"; shift;; --fixed-model-name) name="$2"; shift;; esac; shift
done
echo "Starting to train component 'DIETClassifier'."
printf 'Epochs:   0%%|  | 0/100\\rEpochs:  50%%|##| 50/100\\rEpochs: 100%%|###| 100/100\\n'
[ -n "$FAIL" ] && { echo "boom: invalid training data" >&2; exit 3; }
echo model > "$out/$name.tar.gz"
"""


@pytest.fixture
def fake_rasa(tmp_path: Path) -> Path:
    """An executable that behaves like `rasa train nlu` on the outside."""
    script = tmp_path / "rasa"
    script.write_text(textwrap.dedent(FAKE_RASA))
    script.chmod(0o755)
    return script


def test_training_reports_progress_and_marks_the_model_current(
    tmp_path: Path, fake_rasa: Path
) -> None:
    seen: list[tuple[str, float | None]] = []
    data = build_training_yaml(FAQ)
    model = train(
        data,
        tmp_path / "models",
        fake_rasa,
        tmp_path / "train.log",
        lambda stage, pct: seen.append((stage, pct)),
    )
    assert model.trained
    assert current_model(tmp_path / "models") == model.path
    assert ("training DIETClassifier", None) in seen
    assert ("training DIETClassifier", 100.0) in seen
    assert "Epochs" in (tmp_path / "train.log").read_text()


def test_unchanged_data_reuses_the_model(tmp_path: Path, fake_rasa: Path) -> None:
    data = build_training_yaml(FAQ)
    first = train(data, tmp_path / "models", fake_rasa, tmp_path / "train.log")
    fake_rasa.write_text("#!/bin/sh\nexit 9\n")  # would fail if it were run again
    again = train(data, tmp_path / "models", fake_rasa, tmp_path / "train.log")
    assert (again.path, again.trained) == (first.path, False)


def test_a_failed_training_says_why(
    tmp_path: Path, fake_rasa: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAIL", "1")
    with pytest.raises(TrainingError, match="invalid training data"):
        train(build_training_yaml(FAQ), tmp_path / "models", fake_rasa, tmp_path / "t.log")
    assert current_model(tmp_path / "models") is None


def test_old_models_are_pruned_but_the_current_one_stays(tmp_path: Path) -> None:
    models = []
    for age, name in enumerate(["nlu-a", "nlu-b", "nlu-c", "nlu-d", "nlu-e"]):
        model = tmp_path / f"{name}.tar.gz"
        model.write_bytes(b"")
        os.utime(model, (1_000_000 + age, 1_000_000 + age))
        models.append(model)
    mark_current(models[0])  # a rollback to the oldest model

    removed = prune_models(tmp_path, keep=3)

    assert sorted(p.name for p in removed) == ["nlu-b.tar.gz"]
    assert current_model(tmp_path) == models[0]
    assert sorted(p.name for p in tmp_path.glob("*.tar.gz")) == [
        "nlu-a.tar.gz",
        "nlu-c.tar.gz",
        "nlu-d.tar.gz",
        "nlu-e.tar.gz",
    ]
