"""The NLU gateway behind RASA_URL: it follows the model pointer, swaps in a newly trained
model without refusing a parse, keeps serving when a new model fails to load and restarts a
crashed Rasa. Rasa is played by tests/fake_rasa.py, started as a real process."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from nlu.gateway import ModelGateway, create_gateway_app
from nlu.trainer import mark_current
from tests.conftest import wait_for
from tests.net import free_port

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Running:
    """A gateway serving on `url`, its model directory and an HTTP client."""

    url: str
    gateway: ModelGateway
    model_dir: Path
    http: aiohttp.ClientSession

    async def status_model(self) -> str | None:
        async with self.http.get(f"{self.url}/status") as response:
            return str((await response.json())["model_file"]) if response.status == 200 else None

    async def parse(self, text: str) -> tuple[int, str | None]:
        async with self.http.post(f"{self.url}/model/parse", json={"text": text}) as response:
            if response.status != 200:
                return response.status, None
            return 200, str((await response.json())["intent"]["name"])

    def point_to(self, name: str) -> None:
        mark_current(self.model_dir / name)


def _fake_rasa_executable(directory: Path) -> Path:
    script = directory / "rasa"
    script.write_text(
        f"#!{sys.executable}\n"
        f"import sys\nsys.path.insert(0, {str(REPO)!r})\n"
        "from tests.fake_rasa import main\nraise SystemExit(main(sys.argv[1:]))\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@pytest.fixture
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    for name in ("nlu-a.tar.gz", "nlu-b.tar.gz", "nlu-broken.tar.gz"):
        (model_dir / name).write_bytes(b"")
    mark_current(model_dir / "nlu-a.tar.gz")
    gateway = ModelGateway(
        _fake_rasa_executable(tmp_path), model_dir, tmp_path / "rasa.log", start_timeout=30
    )
    runner = web.AppRunner(create_gateway_app(gateway))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    async with aiohttp.ClientSession() as http:
        yield Running(f"http://127.0.0.1:{port}", gateway, model_dir, http)
    await runner.cleanup()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def test_parses_wait_for_the_first_model_with_a_clear_503(running: Running) -> None:
    async with running.http.post(f"{running.url}/model/parse", json={"text": "hi"}) as response:
        assert response.status == 503
        assert "loading" in (await response.json())["error"]
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    assert await running.parse("hi") == (200, "nlu-a.tar.gz")


async def test_a_new_model_is_swapped_in_without_refusing_a_single_parse(
    running: Running,
) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    old = running.gateway.active
    assert old is not None
    statuses: list[int] = []
    served_by: set[str | None] = set()
    swapped = asyncio.Event()

    async def keep_parsing() -> None:
        while not swapped.is_set():
            status, model = await running.parse("hello")
            statuses.append(status)
            served_by.add(model)

    parsing = asyncio.create_task(keep_parsing())
    slow_on_old_model = asyncio.create_task(running.parse("slow"))
    await asyncio.sleep(0.2)
    running.point_to("nlu-b.tar.gz")
    await wait_for(lambda: not _alive(old.process.pid), seconds=30)
    swapped.set()
    await parsing

    assert await slow_on_old_model == (200, "nlu-a.tar.gz"), "the old model finishes its parses"
    assert set(statuses) == {200}
    assert len(statuses) > 20
    assert served_by == {"nlu-a.tar.gz", "nlu-b.tar.gz"}
    assert await running.status_model() == "nlu-b.tar.gz"


async def test_a_model_that_fails_to_load_leaves_the_old_one_serving(running: Running) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    running.point_to("nlu-broken.tar.gz")
    await wait_for(lambda: running.gateway.failed is not None, seconds=20)

    assert await running.parse("hi") == (200, "nlu-a.tar.gz")
    running.point_to("nlu-b.tar.gz")
    await wait_for(
        lambda: (
            running.gateway.active is not None
            and running.gateway.active.model.name == "nlu-b.tar.gz"
        ),
        seconds=20,
    )
    assert await running.parse("hi") == (200, "nlu-b.tar.gz")


async def test_a_crashed_rasa_is_restarted(running: Running) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    crashed = running.gateway.active
    assert crashed is not None
    crashed.process.kill()
    await wait_for(
        lambda: running.gateway.active is not None and running.gateway.active is not crashed,
        seconds=20,
    )
    assert await running.parse("hi") == (200, "nlu-a.tar.gz")


async def test_stopping_the_gateway_stops_its_rasa(tmp_path: Path, running: Running) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    backend = running.gateway.active
    assert backend is not None
    await running.gateway.stop()
    assert not _alive(backend.process.pid)


async def candidate_status(running: Running, name: str) -> tuple[int, str]:
    """/status of the candidate route: the model it serves, or why it cannot."""
    async with running.http.get(f"{running.url}/candidates/{name}/status") as response:
        body = await response.json()
        return response.status, str(body.get("model_file") or body.get("error"))


async def test_a_candidate_model_is_served_beside_the_live_one_once_loaded(
    running: Running,
) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    assert await candidate_status(running, "nlu-b.tar.gz") == (
        503,
        "the candidate model is loading",
    )
    await wait_for(lambda: running.gateway.candidate.backend is not None, seconds=20)

    assert await candidate_status(running, "nlu-b.tar.gz") == (200, "nlu-b.tar.gz")
    async with running.http.post(
        f"{running.url}/candidates/nlu-b.tar.gz/model/parse", json={"text": "hi"}
    ) as response:
        assert (await response.json())["intent"]["name"] == "nlu-b.tar.gz"
    assert await running.parse("hi") == (200, "nlu-a.tar.gz"), "customers keep the live one"
    assert await running.status_model() == "nlu-a.tar.gz"


async def test_the_live_model_answers_as_its_own_candidate_without_a_second_process(
    running: Running,
) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    assert await candidate_status(running, "nlu-a.tar.gz") == (200, "nlu-a.tar.gz")
    assert running.gateway.candidate.backend is None


async def test_a_newer_candidate_replaces_the_older_one(running: Running) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    (running.model_dir / "nlu-c.tar.gz").write_bytes(b"")
    await candidate_status(running, "nlu-b.tar.gz")
    await wait_for(lambda: running.gateway.candidate.backend is not None, seconds=20)
    first = running.gateway.candidate.backend
    assert first is not None
    await candidate_status(running, "nlu-c.tar.gz")
    await wait_for(lambda: not _alive(first.process.pid), seconds=30)
    assert await candidate_status(running, "nlu-c.tar.gz") == (200, "nlu-c.tar.gz")


async def test_candidates_that_cannot_be_served_say_why(running: Running) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    assert (await candidate_status(running, "nlu-missing.tar.gz"))[0] == 404
    assert (await candidate_status(running, "..%2FCURRENT"))[0] in {400, 404}
    assert (await candidate_status(running, "CURRENT"))[0] == 400
    deadline = asyncio.get_running_loop().time() + 20
    while (answer := await candidate_status(running, "nlu-broken.tar.gz"))[1].endswith("loading"):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.2)
    assert answer == (503, "the candidate model would not load")
    assert await running.parse("hi") == (200, "nlu-a.tar.gz")


async def test_an_idle_candidate_is_stopped_to_free_its_memory(tmp_path: Path) -> None:
    model_dir = tmp_path / "models"
    model_dir.mkdir()
    for name in ("nlu-a.tar.gz", "nlu-b.tar.gz"):
        (model_dir / name).write_bytes(b"")
    mark_current(model_dir / "nlu-a.tar.gz")
    gateway = ModelGateway(
        _fake_rasa_executable(tmp_path),
        model_dir,
        tmp_path / "rasa.log",
        start_timeout=30,
        candidate_idle_seconds=2,
    )
    runner = web.AppRunner(create_gateway_app(gateway))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        async with aiohttp.ClientSession() as http:
            running = Running(f"http://127.0.0.1:{port}", gateway, model_dir, http)
            await wait_for(lambda: gateway.active is not None, seconds=20)
            await candidate_status(running, "nlu-b.tar.gz")
            await wait_for(lambda: gateway.candidate.backend is not None, seconds=20)
            backend = gateway.candidate.backend
            assert backend is not None
            await wait_for(lambda: gateway.candidate.backend is None, seconds=20)
            await wait_for(lambda: not _alive(backend.process.pid), seconds=20)
            assert await running.parse("hi") == (200, "nlu-a.tar.gz")
    finally:
        await runner.cleanup()


async def test_publishing_the_tested_candidate_puts_its_loaded_process_live(
    running: Running,
) -> None:
    await wait_for(lambda: running.gateway.active is not None, seconds=20)
    old = running.gateway.active
    assert old is not None
    await candidate_status(running, "nlu-b.tar.gz")
    await wait_for(lambda: running.gateway.candidate.backend is not None, seconds=20)
    tested = running.gateway.candidate.backend
    assert tested is not None

    running.point_to("nlu-b.tar.gz")
    await wait_for(lambda: running.gateway.active is tested, seconds=5)
    assert running.gateway.candidate.backend is None
    assert await running.parse("hi") == (200, "nlu-b.tar.gz")
    await wait_for(lambda: not _alive(old.process.pid), seconds=30)
