"""`servicebot faq export` and `import` from the outside: real processes on migrated
databases. Export, import into another database, export again: the same bytes (topics with
their owners, review dates and enabled flags, and the menu's categories)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.storage.database import create_engine, session_factory
from bot.storage.migrate import upgrade_async
from faq.seed import seed_faq
from faq.sql_store import SqlFaqRepository

pytestmark = pytest.mark.e2e


def faq(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot faq ARGS` against the database."""
    env = {**os.environ, "SERVICEBOT_DATABASE_URL": database_url, "SERVICEBOT_LOG_JSON": "false"}
    return subprocess.run(
        [sys.executable, "-m", "bot", "faq", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def migrated(path: Path) -> str:
    """A new, empty, migrated SQLite database."""
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    return url


@pytest.mark.parametrize("file_format", ["yaml", "csv"])
async def test_export_then_import_elsewhere_reproduces_the_knowledge_base(
    tmp_path: Path, file_format: str
) -> None:
    source, target = await migrated(tmp_path / "a.db"), await migrated(tmp_path / "b.db")
    engine = create_engine(source)
    await seed_faq(SqlFaqRepository(session_factory(engine)))
    await engine.dispose()
    exported = tmp_path / f"kb.{file_format}"
    made = faq(source, "export", "--format", file_format, "--out", str(exported))
    assert made.returncode == 0, made.stderr
    imported = faq(target, "import", str(exported))
    assert imported.returncode == 0, imported.stderr
    assert "20 added, 0 changed, 0 unchanged, 0 removed" in imported.stderr
    again = faq(target, "export", "--format", file_format)
    assert again.stdout == exported.read_text(encoding="utf-8")
    assert faq(target, "import", str(exported)).stderr.count("20 unchanged") == 1


async def test_owner_review_date_and_a_disabled_topic_survive_the_round_trip(
    tmp_path: Path,
) -> None:
    source, target = await migrated(tmp_path / "d.db"), await migrated(tmp_path / "e.db")
    engine = create_engine(source)
    await seed_faq(SqlFaqRepository(session_factory(engine)))
    await engine.dispose()
    exported = faq(source, "export", "--format", "yaml").stdout
    edited = exported.replace(
        "- slug: newsletter\n  category: news\n",
        "- slug: newsletter\n  category: news\n  owner: Marketing\n"
        "  last_reviewed: '2026-11-30'\n  enabled: false\n",
    )
    assert edited != exported
    (tmp_path / "edited.yaml").write_text(edited, encoding="utf-8")
    assert "1 changed, 19 unchanged" in faq(source, "import", str(tmp_path / "edited.yaml")).stderr
    again = faq(source, "export", "--format", "csv").stdout
    assert "Marketing,2026-11-30,false" in again
    (tmp_path / "again.csv").write_text(again, encoding="utf-8")
    assert faq(target, "import", str(tmp_path / "again.csv")).returncode == 0
    assert faq(target, "export", "--format", "yaml").stdout == edited


async def test_import_with_replace_removes_what_the_file_lacks_and_a_bad_file_changes_nothing(
    tmp_path: Path,
) -> None:
    url = await migrated(tmp_path / "c.db")
    engine = create_engine(url)
    await seed_faq(SqlFaqRepository(session_factory(engine)))
    await engine.dispose()
    one_topic = tmp_path / "one.csv"
    one_topic.write_text(
        "slug,category,language,question,answer,examples\n"
        'battery_take_back,after_sales,de,Nehmt ihr Akkus zurück?,Ja kostenlos.,"akku\naltakku"\n',
        encoding="utf-8",
    )
    broken = tmp_path / "broken.csv"
    broken.write_text("slug,category,language,question,answer,examples\nx,y,de,,,\n")
    refused = faq(url, "import", str(broken), "--replace")
    assert refused.returncode == 1
    assert "Nothing imported" in refused.stderr
    assert faq(url, "export", "--format", "csv").stdout.count("\n") > 40  # untouched
    replaced = faq(url, "import", str(one_topic), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert "1 added, 0 changed, 0 unchanged, 20 removed" in replaced.stderr
    remaining = faq(url, "export", "--format", "csv").stdout
    assert remaining.splitlines()[1].startswith("battery_take_back,after_sales,de,")
    assert remaining.count("battery_take_back,") == 1
