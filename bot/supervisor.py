"""`servicebot run`: the whole stack in one terminal, stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.panel import Panel

from bot.commands import demo_admin_login, demo_agent_login
from bot.redis_factory import ensure_redis_url
from bot.settings import Settings
from nlu.trainer import current_model

READY_TIMEOUT_SECONDS = 240
STOP_SECONDS = 30  # the NLU gateway drains and stops its Rasa server within this


@dataclass
class Child:
    """One process of the stack and where its output goes."""

    name: str
    args: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None


def _children(settings: Settings) -> list[Child]:
    logs = settings.data_dir / "logs"
    cli = [sys.executable, "-m", "bot"]
    return [
        Child("nlu", [*cli, "nlu", "serve"], logs / "rasa.log"),
        Child("web", [*cli, "web"], logs / "web.log"),
        Child("worker", [*cli, "worker"], logs / "worker.log"),
    ]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (our own URL)
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def run_stack(settings: Settings, console: Console) -> int:
    """Start Redis (embedded unless configured), Rasa, web and worker; stop all on Ctrl-C."""
    if current_model(settings.model_dir) is None:
        console.print(
            "[red]No trained NLU model found.[/] Run [bold]make setup[/] "
            "(or `servicebot nlu train`) first."
        )
        return 1
    (settings.data_dir / "logs").mkdir(parents=True, exist_ok=True)
    agent_login = asyncio.run(demo_agent_login(settings))
    admin_login = asyncio.run(demo_admin_login(settings))
    redis_url, embedded = ensure_redis_url(settings)
    env = {**os.environ, "SERVICEBOT_REDIS_URL": redis_url}
    children = _children(settings)
    exit_code = 0
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by systemd, Docker or `kill`: same path
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    try:
        for child in children:
            with child.log.open("ab") as log:
                child.process = subprocess.Popen(
                    child.args,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
                )
        exit_code = _wait_until_ready(settings, children, console)
        if exit_code == 0:
            _announce(settings, console, agent_login, admin_login)
            exit_code = _watch(children, console)
    except KeyboardInterrupt:
        console.print("\n[bold]Stopping…[/]")
    finally:
        _stop(children)
        if embedded is not None:
            embedded.stop()
        console.print("All servicebot processes stopped.")
    return exit_code


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _wait_until_ready(settings: Settings, children: list[Child], console: Console) -> int:
    url = f"http://{settings.http_host}:{settings.http_port}/readyz"
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    with console.status("Starting Rasa (loading the model), web and worker…"):
        while not _ready(url):
            failed = _first_exited(children)
            if failed is not None:
                console.print(f"[red]{failed.name} stopped unexpectedly.[/] See {failed.log}")
                return 1
            if time.monotonic() > deadline:
                console.print(
                    f"[red]Not ready after {READY_TIMEOUT_SECONDS} s.[/] See "
                    f"{settings.data_dir / 'logs'} and {url}"
                )
                return 1
            time.sleep(0.5)
    return 0


Login = tuple[str, str] | None


def _announce(settings: Settings, console: Console, agent_login: Login, admin_login: Login) -> None:
    base = f"http://{settings.http_host}:{settings.http_port}"
    lines = [f"[bold green]servicebot is running[/] on {base}", ""]
    if settings.telegram_standin_enabled:
        lines += [
            f"Chat as a customer:  [bold link={base}/dev/simulator]{base}/dev/simulator[/]",
            "  (no Telegram token set: a local Bot API stand-in plays Telegram)",
        ]
    else:
        lines += [f"Telegram webhook:    {settings.effective_public_url}/webhooks/telegram"]
    if settings.whatsapp_enabled:
        lines += [f"WhatsApp webhook:    {settings.effective_public_url}/webhooks/whatsapp"]
    lines += [f"Agent console:       [bold link={base}/agent]{base}/agent[/]"]
    if agent_login is not None:
        lines += [f"  (demo login: {agent_login[0]} / {agent_login[1]})"]
    else:
        lines += ["  (logins: servicebot users create --username NAME --role agent)"]
    lines += [f"FAQ admin:           [bold link={base}/admin]{base}/admin[/]"]
    if admin_login is not None:
        lines += [f"  (demo login: {admin_login[0]} / {admin_login[1]})"]
    else:
        lines += ["  (logins: servicebot users create --username NAME --role editor|admin)"]
    lines += [
        f"Health:              {base}/readyz",
        f"Logs:                {settings.data_dir / 'logs'}",
        "",
        "Press Ctrl-C to stop everything.",
    ]
    console.print(Panel("\n".join(lines), title="servicebot", expand=False))


def _first_exited(children: list[Child]) -> Child | None:
    return next((c for c in children if c.process and c.process.poll() is not None), None)


def _watch(children: list[Child], console: Console) -> int:
    while True:
        failed = _first_exited(children)
        if failed is not None:
            console.print(f"[red]{failed.name} stopped unexpectedly.[/] See {failed.log}")
            return 1
        time.sleep(1)


def _stop(children: list[Child]) -> None:
    """SIGTERM in reverse start order (worker first, so it finishes what it holds); then
    SIGKILL whatever is left in each child's process group (the NLU gateway's Rasa servers)."""
    for child in reversed(children):
        if child.process and child.process.poll() is None:
            child.process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for child in reversed(children):
        if child.process is None:
            continue
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signal.SIGKILL)
        child.process.wait()
