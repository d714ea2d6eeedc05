"""The `servicebot` command line (operator contract in DESIGN.md)."""

from __future__ import annotations

import asyncio
import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from aiohttp import web
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from bot import commands
from bot.faq_cli import faq_app
from bot.logging import configure_logging
from bot.privacy_cli import privacy_app
from bot.settings import Settings
from bot.web.auth import Role
from nlu.evaluation.metrics import REPORTING_FILES
from nlu.evaluation.report import show_evaluation

app = typer.Typer(
    help="servicebot: customer-service chatbot for WhatsApp and Telegram.",
    no_args_is_help=True,
    add_completion=False,
)
nlu_app = typer.Typer(help="Train, serve and query the Rasa NLU model.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
seed_app = typer.Typer(help="Load demo data.", no_args_is_help=True)
app.add_typer(nlu_app, name="nlu")
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(faq_app, name="faq")
app.add_typer(privacy_app, name="privacy")
console = Console()
EVALUATION_REPORT = Path("var/nlu-evaluation.json")


def _settings(*, quiet: bool = False) -> Settings:
    settings = Settings()
    configure_logging("WARNING" if quiet else settings.log_level, settings.log_json)
    return settings


@app.command()
def run() -> None:
    """Start Rasa, the web app and a worker (embedded Redis unless configured); Ctrl-C stops all."""
    from bot.supervisor import run_stack

    raise typer.Exit(run_stack(_settings(quiet=True), Console()))


@app.command("web")
def web_command() -> None:
    """Serve webhooks, health checks and (in development) the simulator."""
    from bot.app import create_app

    settings = _settings()
    web.run_app(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        print=None,
        access_log=None,
    )


@app.command()
def worker() -> None:
    """Answer inbound messages from the Redis stream."""
    asyncio.run(commands.run_worker(_settings()))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database to the newest schema."""
    commands.migrate(_settings(quiet=True))
    console.print("Database schema is up to date.")


@seed_app.command("demo")
def seed_demo(
    replace: Annotated[
        bool,
        typer.Option(
            help="Overwrite existing entries, customers and orders with the demo content."
        ),
    ] = False,
) -> None:
    """Load the demo company (Kramer Werkzeug & Befestigung): FAQ entries that are missing,
    and its customers and orders if none are loaded."""
    written, orders = asyncio.run(commands.seed_demo(_settings(quiet=True), replace=replace))
    if replace:
        console.print(f"Demo FAQ: {written} entries replaced with the shipped content.")
    else:
        console.print(
            f"Demo FAQ: {written} entries added." if written else "Demo FAQ already loaded."
        )
    console.print(
        f"Demo orders: {orders} orders loaded." if orders else "Demo orders already loaded."
    )


@nlu_app.command("train")
def nlu_train() -> None:
    """Train the model from the database's FAQ (skipped when the data did not change)."""
    from nlu.trainer import TrainingError, mark_current, model_path, train

    settings = _settings(quiet=True)
    data = asyncio.run(commands.training_yaml(settings))
    existing = model_path(data, settings.model_dir)
    if existing.exists():
        mark_current(existing)
        console.print(f"Training data unchanged: reusing {existing.name}.")
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[pct]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task("Preparing", total=100, pct="")

        def report(stage: str, percent: float | None) -> None:
            progress.update(
                task,
                description=stage,
                completed=percent if percent is not None else None,
                pct=f"{percent:.0f} % epochs" if percent is not None else "",
            )

        try:
            model = train(
                data,
                settings.model_dir,
                settings.rasa_executable,
                settings.data_dir / "logs" / "rasa-train.log",
                report,
            )
        except TrainingError as exc:
            progress.stop()
            console.print(f"[red]Training failed.[/] {exc}")
            raise typer.Exit(1) from exc
        progress.update(task, description="Model ready", completed=100, pct="")
    console.print(f"Trained {model.path.name} in {model.seconds:.0f} s.")


@nlu_app.command("serve")
def nlu_serve() -> None:
    """Serve the current model on RASA_URL's port; a newly trained model is swapped in live."""
    from urllib.parse import urlsplit

    from nlu.gateway import ModelGateway, create_gateway_app
    from nlu.trainer import current_model

    settings = _settings()
    model = current_model(settings.model_dir)
    if model is None:
        console.print("[red]No trained model.[/] Run `servicebot nlu train` first.")
        raise typer.Exit(1)
    log_file = settings.data_dir / "logs" / "rasa-server.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    gateway = ModelGateway(
        settings.rasa_executable, settings.model_dir, log_file, settings.rasa_start_timeout_seconds
    )
    address = urlsplit(settings.primary_rasa_url)
    console.print(
        f"NLU on {settings.primary_rasa_url}: loading {model.name} (Rasa output in {log_file}). "
        "Models trained later are swapped in without a restart."
    )
    web.run_app(
        create_gateway_app(gateway),
        host=address.hostname or "127.0.0.1",
        port=address.port or 5005,
        print=None,
        access_log=None,
    )


@nlu_app.command("evaluate")
def nlu_evaluate(
    data: Annotated[
        list[Path] | None,
        typer.Option(help="Labelled messages (YAML); repeat for several sets.", show_default=False),
    ] = None,
    out: Annotated[Path, typer.Option(help="Where the JSON report goes.")] = EVALUATION_REPORT,
) -> None:
    """Score the running model and decision policy on messages it was not trained on (by
    default the held-out, blind and fresh sets, pooled and each on its own)."""
    settings = _settings(quiet=True)
    report = asyncio.run(commands.evaluate(settings, data or list(REPORTING_FILES)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    show_evaluation(report, console)
    console.print(f"Full report: {out}")


@nlu_app.command("predict")
def nlu_predict() -> None:
    """Read one message per line on stdin, print one JSON decision per line."""
    asyncio.run(commands.predict(_settings(quiet=True), sys.stdin))


telegram_app = typer.Typer(help="Telegram Bot API set-up.", no_args_is_help=True)
app.add_typer(telegram_app, name="telegram")


@telegram_app.command("set-webhook")
def telegram_set_webhook() -> None:
    """Register PUBLIC_URL/webhooks/telegram with Telegram, with the secret token."""
    from bot.telegram_wiring import telegram_endpoint

    settings = _settings(quiet=True)
    endpoint = telegram_endpoint(settings)
    secret = settings.telegram_secret_token.get_secret_value()
    if endpoint is None or not secret or not settings.public_url:
        console.print(
            "[red]Set SERVICEBOT_TELEGRAM_TOKEN, SERVICEBOT_TELEGRAM_SECRET_TOKEN "
            "and SERVICEBOT_PUBLIC_URL first.[/]"
        )
        raise typer.Exit(1)
    url = f"{settings.public_url.rstrip('/')}/webhooks/telegram"
    asyncio.run(commands.set_telegram_webhook(*endpoint, url, secret))
    console.print(f"Telegram now delivers updates to {url}")


users_app = typer.Typer(
    help="Staff accounts of the agent console and FAQ admin.", no_args_is_help=True
)
app.add_typer(users_app, name="users")


class ConsoleLanguage(StrEnum):
    """Languages of the staff consoles."""

    DE = "de"
    EN = "en"


@users_app.command("create")
def users_create(
    username: Annotated[str, typer.Option(help="Login name (stored in lower case).")],
    role: Annotated[Role, typer.Option(help="What the account may do.")],
    display_name: Annotated[
        str, typer.Option(help="Name shown in the console (default: the username).")
    ] = "",
    language: Annotated[
        ConsoleLanguage, typer.Option(help="Language of the console.")
    ] = ConsoleLanguage.DE,
    serves: Annotated[
        str, typer.Option(help="Customers' languages this agent answers, comma-separated.")
    ] = "de,en",
) -> None:
    """Add a staff account. The password is asked for twice, hidden, unless
    SERVICEBOT_NEW_USER_PASSWORD is set (for scripts)."""
    settings = _settings(quiet=True)
    password = settings.new_user_password.get_secret_value() or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = asyncio.run(
            commands.create_user(
                settings,
                username,
                display_name,
                password,
                role,
                language.value,
                serves={part.strip() for part in serves.split(",") if part.strip()},
            )
        )
    except ValueError as exc:
        console.print(f"[red]No user created:[/] {exc}.")
        raise typer.Exit(1) from None
    console.print(f"Created {user.role} {user.username}.")
