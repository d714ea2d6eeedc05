"""Reference R2 as a running bot: train the R2 project (once per content), start `rasa run`
with Rasa's Telegram connector pointed at the Bot API stand-in, stop it afterwards."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import aiohttp
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bench.r2.project import (
    API_URL_VARIABLE,
    CREDENTIALS_FILE,
    WEBHOOK_URL_VARIABLE,
    project_hash,
    write_project,
)
from faq.model import FaqEntryData
from faq.seed import load_faq_file
from nlu.trainer import TrainingError, _run_with_progress, rasa_environment

START_SECONDS = 300.0  # importing TensorFlow and loading the model on two busy cores
STOP_SECONDS = 20.0
HEALTH_PATH = "/webhooks/telegram/"  # the connector's own health route: {"status": "ok"}
WEBHOOK_PATH = "/webhooks/telegram/webhook"
PROJECT_DIR, MODEL_DIR, LOG_DIR = "project", "models", "logs"  # inside the work dir


class R2Error(RuntimeError):
    """R2 could not be trained or started; the message names the log to read."""


def train_command(rasa_executable: Path, project: Path, models: Path, name: str) -> list[str]:
    """`rasa train` of NLU and core from the project's files into `models/{name}.tar.gz`."""
    return [
        str(rasa_executable),
        "train",
        "--config",
        str(project / "config.yml"),
        "--domain",
        str(project / "domain.yml"),
        "--data",
        str(project / "data"),
        "--out",
        str(models),
        "--fixed-model-name",
        name,
    ]


def run_command(rasa_executable: Path, project: Path, model: Path, port: int) -> list[str]:
    """`rasa run` with the Telegram connector only (no HTTP API), on 127.0.0.1:`port`."""
    return [
        str(rasa_executable),
        "run",
        "--credentials",
        str(project / CREDENTIALS_FILE),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--model",
        str(model),
    ]


def prepare(work_dir: Path, entries: Sequence[FaqEntryData]) -> Path:
    """Write the project and make the log and model folders; returns where the model of
    exactly this project content is (or will be)."""
    project = work_dir / PROJECT_DIR
    write_project(project, entries)
    (work_dir / LOG_DIR).mkdir(parents=True, exist_ok=True)
    models = work_dir / MODEL_DIR
    models.mkdir(parents=True, exist_ok=True)
    return models / f"r2-{project_hash(project)}.tar.gz"


def train(
    model: Path, project: Path, rasa_executable: Path, log_file: Path, console: Console
) -> None:
    """Train `model` from the project (blocking), showing Rasa's stages and epochs as a
    progress bar."""
    columns = (
        TextColumn("[bold]R2 {task.description}"),
        BarColumn(),
        TextColumn("{task.fields[pct]}"),
        TimeElapsedColumn(),
    )
    started = time.monotonic()
    name = model.name.removesuffix(".tar.gz")
    command = train_command(rasa_executable, project, model.parent, name)
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("preparing", total=100, pct="")

        def report(stage: str, percent: float | None) -> None:
            pct = f"{percent:.0f} % epochs" if percent is not None else ""
            progress.update(task, description=stage, completed=percent, pct=pct)

        try:
            _run_with_progress(command, project, log_file, report)
        except TrainingError as exc:
            raise R2Error(f"training R2 failed; see {log_file}") from exc
    if not model.exists():
        raise R2Error(f"Rasa finished but wrote no model; see {log_file}")
    console.print(f"R2: trained {model.name} in {time.monotonic() - started:.0f} s.")


async def _answers_health(http: aiohttp.ClientSession, url: str) -> bool:
    try:
        async with http.get(url, timeout=aiohttp.ClientTimeout(total=3)) as response:
            return response.status == 200 and await response.json() == {"status": "ok"}
    except (TimeoutError, aiohttp.ClientError, ValueError):
        return False


async def _until_ready(process: asyncio.subprocess.Process, base_url: str, log_file: Path) -> None:
    """Wait until the connector's health route answers (Rasa loads the model before it
    listens, so then the webhook is ready too)."""
    deadline = time.monotonic() + START_SECONDS
    async with aiohttp.ClientSession() as http:
        while not await _answers_health(http, f"{base_url}{HEALTH_PATH}"):
            if process.returncode is not None:
                raise R2Error(f"rasa run exited with code {process.returncode}; see {log_file}")
            if time.monotonic() > deadline:
                raise R2Error(f"rasa run did not answer in {START_SECONDS:.0f} s; see {log_file}")
            await asyncio.sleep(0.5)


async def _stop(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, then SIGKILL if Rasa has not exited in time."""
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), STOP_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()


@contextlib.asynccontextmanager
async def rasa_telegram_bot(
    work_dir: Path,
    standin_url: str,
    port: int,
    rasa_executable: Path,
    *,
    entries: Sequence[FaqEntryData] | None = None,
    console: Console | None = None,
) -> AsyncIterator[str]:
    """R2 answering the FAQ (the demo FAQ unless `entries` are given) on `port`, talking to
    the Bot API at `standin_url` (which must already run: Rasa sets its webhook at start);
    yields the webhook URL to post Telegram updates to."""
    console = console or Console()
    model = prepare(work_dir, load_faq_file() if entries is None else entries)
    project, logs = work_dir / PROJECT_DIR, work_dir / LOG_DIR
    if model.exists():
        console.print(f"R2: reusing {model.name}.")
    else:
        # Rasa trains in its own process; the thread only relays its output to the console.
        log = logs / "r2-train.log"
        await asyncio.to_thread(train, model, project, rasa_executable, log, console)
    base_url = f"http://127.0.0.1:{port}"
    webhook_url = f"{base_url}{WEBHOOK_PATH}"
    environment = {
        **rasa_environment(),
        API_URL_VARIABLE: standin_url,
        WEBHOOK_URL_VARIABLE: webhook_url,
    }
    log_file = logs / "r2-run.log"
    with log_file.open("ab") as output:
        # The project directory is the cwd: Rasa imports the connector module from there.
        process = await asyncio.create_subprocess_exec(
            *run_command(rasa_executable, project, model, port),
            cwd=project,
            env=environment,
            stdout=output,
            stderr=output,
        )
    try:
        with console.status(f"R2: starting rasa run on port {port}"):
            await _until_ready(process, base_url, log_file)
        yield webhook_url
    finally:
        await _stop(process)
