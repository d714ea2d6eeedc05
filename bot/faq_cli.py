"""`servicebot faq export` and `servicebot faq import`: the whole knowledge base as YAML or
CSV (faq/exchange.py), for a company's own FAQ list and for backups."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from bot.logging import configure_logging
from bot.settings import Settings
from bot.storage.database import create_engine, session_factory
from faq.categories import SqlCategories
from faq.editorial import EditorialError
from faq.exchange import parse, write
from faq.knowledge_base import ExchangeError, KnowledgeBase
from faq.knowledge_file import SqlKnowledgeImport, published_knowledge_base
from faq.model import ImportSummary
from faq.revision_store import SqlRevisionStore
from nlu.training_data import base_intent_names

IMPORT_ACTOR = "import"  # the author of imported versions in their history and the audit log
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
    console.print(f"Exported {len(knowledge_base.topics())} topics to {out}.")


@faq_app.command("import")
def import_(
    source: Annotated[Path, typer.Argument(help="A YAML or CSV file (by its extension).")],
    replace: Annotated[
        bool, typer.Option(help="Also delete the topics and unused categories the file lacks.")
    ] = False,
    file_format: Annotated[
        FileFormat | None, typer.Option("--format", help="Override the file extension.")
    ] = None,
) -> None:
    """Publish the file's topics (each changed one as a new version in its history) and
    categories, all or none; then `servicebot nlu train` teaches them to the bot."""
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
            problems = error.problems
            _nothing_imported(progress, f"{len(problems)} problem(s) in {source}", problems)
        topics = len({entry.slug for entry in knowledge_base.entries})
        progress.update(task, description=f"Writing {topics} topics")
        try:
            summary = asyncio.run(_write_all(_settings(), knowledge_base, replace=replace))
        except EditorialError as error:
            found = [f"{p.field}: {p.code} {p.values or ''}" for p in error.problems]
            _nothing_imported(progress, _refusal(error), found)
    console.print(
        f"Imported {source.name} (topics): {summary.added} added, {summary.changed} changed, "
        f"{summary.unchanged} unchanged, {summary.removed} removed."
    )
    if summary.added or summary.changed or summary.removed:
        console.print("Run [bold]servicebot nlu train[/] to teach the bot the new content.")


def _nothing_imported(progress: Progress, reason: str, problems: Sequence[str]) -> NoReturn:
    """Say why the file was refused (the first 50 problems) and exit with 1."""
    progress.stop()
    console.print(f"[red]Nothing imported[/]: {reason}")
    for problem in problems[:50]:
        console.print(f"  • {problem}")
    raise typer.Exit(1) from None


def _refusal(error: EditorialError) -> str:
    if error.code == "busy":
        return "a topic is being published; try again once it is live"
    return f"{len(error.problems)} problem(s) the admin would refuse as well"


def _settings() -> Settings:
    settings = Settings()
    configure_logging("WARNING", settings.log_json)
    return settings


async def _read_all(settings: Settings) -> KnowledgeBase:
    db = create_engine(settings.effective_database_url)
    try:
        sessions = session_factory(db)
        revisions = SqlRevisionStore(sessions, base_intent_names())
        return await published_knowledge_base(revisions, SqlCategories(sessions))
    finally:
        await db.dispose()


async def _write_all(
    settings: Settings, knowledge_base: KnowledgeBase, *, replace: bool
) -> ImportSummary:
    db = create_engine(settings.effective_database_url)
    try:
        sessions = session_factory(db)
        importer = SqlKnowledgeImport(SqlRevisionStore(sessions, base_intent_names()), sessions)
        return await importer.import_file(knowledge_base, IMPORT_ACTOR, replace=replace)
    finally:
        await db.dispose()
