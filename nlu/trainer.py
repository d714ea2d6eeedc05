"""Trains a Rasa NLU model in the Rasa virtualenv, reporting progress as it goes."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nlu.training_data import CONFIG_FILE, training_hash

CURRENT_POINTER = "CURRENT"  # file in the model dir naming the model to serve
KEEP_MODELS = 3  # older models are deleted after training; a few stay for a quick rollback
_EPOCH = re.compile(r"Epochs:\s+(\d+)%")
_COMPONENT = re.compile(r"Starting to train component '(\w+)'")

Progress = Callable[[str, float | None], None]  # (stage, percent of DIET epochs or None)


@dataclass(frozen=True, slots=True)
class TrainedModel:
    """Where the model is, and whether this call trained it or found it ready."""

    path: Path
    trained: bool
    seconds: float


class TrainingError(RuntimeError):
    """Rasa failed to train; the message carries the end of its output."""


def model_name(data_hash: str) -> str:
    """File name of the model trained on data with this hash."""
    return f"nlu-{data_hash}"


def current_model(model_dir: Path) -> Path | None:
    """The model the server should load, as recorded by the last training."""
    pointer = model_dir / CURRENT_POINTER
    if not pointer.exists():
        return None
    path = model_dir / pointer.read_text().strip()
    return path if path.exists() else None


def rasa_environment() -> dict[str, str]:
    """Environment for Rasa processes: no telemetry calls, quiet TensorFlow."""
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "PYTHONWARNINGS": "ignore",
    }


def model_path(training_yaml: str, model_dir: Path, config: Path = CONFIG_FILE) -> Path:
    """Where the model for this training data and config is (or will be) stored."""
    return model_dir / f"{model_name(training_hash(training_yaml, config))}.tar.gz"


def mark_current(model: Path) -> None:
    """Make `model` the one `servicebot nlu serve` loads (atomically: the NLU gateway polls
    the pointer and must never read half a name)."""
    staging = model.parent / f".{CURRENT_POINTER}.tmp"
    staging.write_text(model.name)
    staging.replace(model.parent / CURRENT_POINTER)


def prune_models(model_dir: Path, keep: int = KEEP_MODELS) -> list[Path]:
    """Delete all but the newest `keep` models (always keeping the current one)."""
    current = current_model(model_dir)
    models = sorted(model_dir.glob("nlu-*.tar.gz"), key=lambda p: p.stat().st_mtime, reverse=True)
    removed = [m for m in models[keep:] if m != current]
    for model in removed:
        model.unlink()
    return removed


def train(
    training_yaml: str,
    model_dir: Path,
    rasa_executable: Path,
    log_file: Path,
    progress: Progress = lambda _stage, _percent: None,
    config: Path = CONFIG_FILE,
    *,
    make_current: bool = True,
) -> TrainedModel:
    """Train unless a model for exactly this data and config exists; mark it current unless
    it is only a candidate to test against."""
    started = time.monotonic()
    path = model_path(training_yaml, model_dir, config)
    name = path.name.removesuffix(".tar.gz")
    model_dir.mkdir(parents=True, exist_ok=True)
    if path.exists():
        if make_current:
            mark_current(path)
        return TrainedModel(path, trained=False, seconds=time.monotonic() - started)
    if not rasa_executable.exists():
        raise TrainingError(f"Rasa is not installed at {rasa_executable}: run `make setup`")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="servicebot-nlu-") as workdir:
        data_file = Path(workdir) / "nlu.yml"
        data_file.write_text(training_yaml, encoding="utf-8")
        command = [
            str(rasa_executable),
            "train",
            "nlu",
            "--config",
            str(config),
            "--nlu",
            str(data_file),
            "--out",
            str(model_dir),
            "--fixed-model-name",
            name,
        ]
        _run_with_progress(command, Path(workdir), log_file, progress)
    if not path.exists():
        raise TrainingError(f"Rasa finished but wrote no model; see {log_file}")
    if make_current:
        mark_current(path)
    prune_models(model_dir)
    return TrainedModel(path, trained=True, seconds=time.monotonic() - started)


def _run_with_progress(command: list[str], cwd: Path, log_file: Path, progress: Progress) -> None:
    """Run Rasa, echo its stages and epoch percentage to `progress`, keep its output in a log."""
    with (
        log_file.open("w", encoding="utf-8") as log,
        subprocess.Popen(
            command,
            cwd=cwd,
            env=rasa_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        assert process.stdout is not None
        progress("starting Rasa", None)
        buffer = ""
        while chunk := process.stdout.read1(4096):  # type: ignore[attr-defined]
            text = chunk.decode("utf-8", errors="replace")
            log.write(text)
            buffer = (buffer + text)[-2000:]
            for stage in _COMPONENT.findall(text):
                progress(f"training {stage}", None)
            epochs = _EPOCH.findall(text)
            if epochs:
                progress("training DIETClassifier", float(epochs[-1]))
        code = process.wait()
    if code != 0:
        tail = log_file.read_text(encoding="utf-8", errors="replace")[-1500:]
        raise TrainingError(f"rasa train failed with exit code {code}:\n{tail}")
