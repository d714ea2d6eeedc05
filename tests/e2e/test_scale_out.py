"""Scale-out on one machine: three `servicebot worker` processes and two Rasa servers
(`servicebot nlu serve` each) share one redis-server and one PostgreSQL database. Every
message is answered exactly once, each conversation in the order asked, and both Rasa
replicas do part of the parsing."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from bot.commands import seed_demo
from bot.settings import Settings
from tests.e2e.conftest import nlu_server
from tests.e2e.test_faults import Reference, burst_chats, reference, verify
from tests.fault_stack import FaultStack, NluProxy, TelegramDriver, fault_stack

pytestmark = [pytest.mark.timeout(900), pytest.mark.postgres]
WORKERS = 3


@pytest.fixture(scope="module")
def second_rasa_url() -> Iterator[str]:
    """A second NLU server on the same trained model: the other replica."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    with (
        tempfile.TemporaryDirectory(prefix="rasa-2-") as data_dir,
        nlu_server(settings.model_dir, Path(data_dir)) as url,
    ):
        yield url


@pytest.fixture
async def replica_2(second_rasa_url: str) -> AsyncIterator[NluProxy]:
    """The second replica behind a proxy that counts its parses."""
    proxy = NluProxy(second_rasa_url)
    await proxy.start()
    yield proxy
    await proxy.close()


@pytest.fixture
async def scaled(
    tmp_path: Path, postgres_db_url: str, rasa_url: str, replica_2: NluProxy
) -> AsyncIterator[FaultStack]:
    """Web, three workers, both replicas in SERVICEBOT_RASA_URL, on seeded PostgreSQL."""
    await seed_demo(Settings(_env_file=None, database_url=postgres_db_url))  # type: ignore[call-arg]
    async with fault_stack(tmp_path / "stack", postgres_db_url, rasa_url) as stack:
        stack.root.mkdir(parents=True, exist_ok=True)
        stack.env["SERVICEBOT_RASA_URL"] = f"{stack.nlu.url},{replica_2.url}"
        await stack.start_web()
        for _ in range(WORKERS):
            stack.start_worker()
        yield stack


def uncached(chats: dict[int, list[str]], ref: Reference) -> tuple[dict[int, list[str]], Reference]:
    """The chats with each question made a text of its own by trailing '!' (which the
    tokenizer drops, so the answer stays the question's), and the reference for them: the
    parse cache would otherwise answer repeats without asking any replica."""
    varied: dict[int, list[str]] = {}
    notices, answers = {}, {}
    for n, (chat, questions) in enumerate(chats.items()):
        varied[chat] = []
        for k, question in enumerate(questions):
            text = question + "!" * (1 + n * len(questions) + k)
            varied[chat].append(text)
            notices[text], answers[text] = ref.notices[question], ref.answers[question]
    return varied, Reference(notices, answers)


async def test_three_workers_and_two_rasa_replicas_answer_each_message_once_in_order(
    scaled: FaultStack, replica_2: NluProxy
) -> None:
    async with aiohttp.ClientSession() as http:
        driver = TelegramDriver(scaled, http)
        ref = await reference(driver, scaled)
        chats, varied_ref = uncached(burst_chats(40, 3), ref)
        parses_before = scaled.nlu.parses, replica_2.parses
        await driver.burst(chats)
        await verify("3 workers, 2 Rasa replicas", scaled, driver, chats, varied_ref)
    shares = scaled.nlu.parses - parses_before[0], replica_2.parses - parses_before[1]
    print(f"parses per replica: {shares}")
    assert min(shares) >= 20, f"both replicas parse a fair part: {shares}"
    assert all(worker.poll() is None for worker in scaled.workers), scaled.logs()
