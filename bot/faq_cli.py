"""`servicebot faq export` and `servicebot faq import`: the whole knowledge base as YAML or
CSV (faq/exchange.py), for a company's own FAQ list and for backups."""

from __future__ import annotations

import asyncio
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bot.logging import configure_logging
from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from faq.exchange import ExchangeError, parse, to_csv, to_yaml
from faq.model import FaqEntryData, ImportSummary
from faq.sql_store import SqlFaqRepository

faq_app = typer.Typer(help="The knowledge base as a file: export and import.", no_args_is_help=True)
console = Console(stderr=True)  # stdout carries the export


class FileFormat(StrEnum):
    """The knowledge base's file formats."""

    YAML = "yaml"
    CSV = "csv"


@faq_app.command("export")
def export(
    file_format: Annotated[FileFormat, typer.Option("--format", help="File format.")] = (
        FileFormat.YAML
    ),
    out: Annotated[
        Path | None, typer.Option(help="Write here instead of to standard output.")
    ] = None,
) -> None:
    """Write every FAQ entry (topics, languages, questions, answers, example phrasings)."""
    entries = asyncio.run(_read_all(_settings()))
    text = to_csv(entries) if file_format is FileFormat.CSV else to_yaml(entries)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"Exported {len(entries)} entries to {out}.")


@faq_app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="A YAML or CSV file (by its extension).")],
    replace: Annotated[
        bool, typer.Option(help="Also delete every entry the file does not have.")
    ] = False,
    file_format: Annotated[
        FileFormat | None, typer.Option("--format", help="Override the file extension.")
    ] = None,
) -> None:
    """Add or update the file's entries, all or none; then `servicebot nlu train` publishes
    them to the bot."""
    chosen = file_format or (FileFormat.CSV if source.suffix.lower() == ".csv" else FileFormat.YAML)
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"Reading {source.name}")
        try:
            entries = parse(source.read_text(encoding="utf-8-sig"), chosen.value)
        except (OSError, UnicodeDecodeError) as error:
            console.print(f"[red]Cannot read {source}:[/] {error}")
            raise typer.Exit(1) from None
        except ExchangeError as error:
            progress.stop()
            console.print(f"[red]Nothing imported[/]: {len(error.problems)} problem(s) in {source}")
            for problem in error.problems[:50]:
                console.print(f"  • {problem}")
            raise typer.Exit(1) from None
        progress.update(task, description=f"Writing {len(entries)} entries")
        summary = asyncio.run(_write_all(_settings(), entries, replace=replace))
    console.print(
        f"Imported {source.name}: {summary.added} added, {summary.changed} changed, "
        f"{summary.unchanged} unchanged, {summary.removed} removed."
    )
    if summary.added or summary.changed or summary.removed:
        console.print("Run [bold]servicebot nlu train[/] to teach the bot the new content.")


def _settings() -> Settings:
    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    return settings


async def _read_all(settings: Settings) -> list[FaqEntryData]:
    db = create_engine(settings.effective_database_url)
    try:
        return list(await SqlFaqRepository(session_factory(db)).all_entries())
    finally:
        await db.dispose()


async def _write_all(
    settings: Settings, entries: list[FaqEntryData], *, replace: bool
) -> ImportSummary:
    db = create_engine(settings.effective_database_url)
    try:
        return await SqlFaqRepository(session_factory(db)).write_all(entries, replace=replace)
    finally:
        await db.dispose()
