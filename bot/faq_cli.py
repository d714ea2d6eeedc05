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
from faq.exchange import ExchangeError, KnowledgeBase, parse, read_knowledge_base, write
from faq.model import ImportSummary
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
    """Write the menu's categories and every FAQ entry (topics, languages, questions,
    answers, example phrasings)."""
    knowledge_base = asyncio.run(_read_all(_settings()))
    text = write(knowledge_base, file_format.value)
    if out is None:
        typer.echo(text, nl=False)
        return
    out.write_text(text, encoding="utf-8")
    console.print(f"Exported {len(knowledge_base.entries)} entries to {out}.")


@faq_app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="A YAML or CSV file (by its extension).")],
    replace: Annotated[
        bool, typer.Option(help="Also delete every entry and category the file does not have.")
    ] = False,
    file_format: Annotated[
        FileFormat | None, typer.Option("--format", help="Override the file extension.")
    ] = None,
) -> None:
    """Add or update the file's entries and categories, all or none; then `servicebot nlu
    train` publishes them to the bot."""
    chosen = file_format or (FileFormat.CSV if source.suffix.lower() == ".csv" else FileFormat.YAML)
    columns = (SpinnerColumn(), TextColumn("[bold]{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"Reading {source.name}")
        try:
            knowledge_base = parse(source.read_text(encoding="utf-8-sig"), chosen.value)
        except (OSError, UnicodeDecodeError) as error:
            console.print(f"[red]Cannot read {source}:[/] {error}")
            raise typer.Exit(1) from None
        except ExchangeError as error:
            progress.stop()
            console.print(f"[red]Nothing imported[/]: {len(error.problems)} problem(s) in {source}")
            for problem in error.problems[:50]:
                console.print(f"  • {problem}")
            raise typer.Exit(1) from None
        progress.update(task, description=f"Writing {len(knowledge_base.entries)} entries")
        summary = asyncio.run(_write_all(_settings(), knowledge_base, replace=replace))
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


async def _read_all(settings: Settings) -> KnowledgeBase:
    db = create_engine(settings.effective_database_url)
    try:
        return await read_knowledge_base(SqlFaqRepository(session_factory(db)))
    finally:
        await db.dispose()


async def _write_all(
    settings: Settings, knowledge_base: KnowledgeBase, *, replace: bool
) -> ImportSummary:
    db = create_engine(settings.effective_database_url)
    try:
        return await SqlFaqRepository(session_factory(db)).write_all(
            knowledge_base.entries, replace=replace, categories=knowledge_base.categories
        )
    finally:
        await db.dispose()
