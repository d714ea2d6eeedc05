"""RasaReplicas against Rasa-speaking HTTP servers of our own: parses spread over the
replicas, a failed one is set aside until its health check passes, none healthy is an
NluUnavailableError."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from aiohttp import web

from bot.errors import NluUnavailableError
from bot.settings import Settings
from nlu.replicas import RECHECK_SECONDS, RasaReplicas
from tests.net import free_port


@dataclass
class FakeRasa:
    """A replica: counts parses, can be slowed, made to fail, or serve another model."""

    model: str = "nlu-a.tar.gz"
    failing: bool = False
    delay: float = 0.0
    parses: int = 0
    status_checks: int = 0
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> web.Application:
        async def status(_request: web.Request) -> web.Response:
            self.status_checks += 1
            if self.failing:
                return web.json_response({}, status=503)
            return web.json_response({"model_file": self.model})

        async def parse(request: web.Request) -> web.Response:
            if self.failing:
                return web.json_response({}, status=503)
            self.parses += 1
            await asyncio.sleep(self.delay)
            text = str((await request.json())["text"])
            ranking = [{"name": f"from_{self.port}", "confidence": 1.0}]
            return web.json_response(
                {"text": text, "intent": ranking[0], "intent_ranking": ranking}
            )

        app = web.Application()
        app.router.add_get("/status", status)
        app.router.add_post("/model/parse", parse)
        return app


class Clock:
    """Time the test moves on."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def replicas() -> AsyncIterator[list[FakeRasa]]:
    """Two running replicas."""
    servers = [FakeRasa(), FakeRasa()]
    runners = []
    for server in servers:
        runner = web.AppRunner(server.app())
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", server.port).start()
        runners.append(runner)
    yield servers
    for runner in runners:
        await runner.cleanup()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def pool(http: aiohttp.ClientSession, servers: list[FakeRasa], clock: Clock) -> RasaReplicas:
    return RasaReplicas(http, [s.url for s in servers], timeout=5.0, clock=clock)


async def test_one_at_a_time_the_replicas_take_turns(
    replicas: list[FakeRasa], http: aiohttp.ClientSession
) -> None:
    nlu = pool(http, replicas, Clock())
    for _ in range(10):
        await nlu.parse("Versandkosten?")
    assert [r.parses for r in replicas] == [5, 5]


async def test_a_slow_replica_gets_fewer_of_the_parses_at_once(
    replicas: list[FakeRasa], http: aiohttp.ClientSession
) -> None:
    slow, quick = replicas
    slow.delay = 0.5
    nlu = pool(http, replicas, Clock())

    async def steady_stream() -> None:
        for _ in range(10):
            await nlu.parse("Versandkosten?")

    await asyncio.gather(steady_stream(), steady_stream())
    assert quick.parses > 2 * slow.parses, (slow.parses, quick.parses)


async def test_a_failing_replica_is_set_aside_until_its_health_check_passes(
    replicas: list[FakeRasa], http: aiohttp.ClientSession
) -> None:
    broken, sound = replicas
    broken.failing = True
    clock = Clock()
    nlu = pool(http, replicas, clock)

    answers = [(await nlu.parse("Versandkosten?")).top.name for _ in range(6)]
    assert answers == [f"from_{sound.port}"] * 6, "every parse answered, by the sound replica"
    assert broken.status_checks == 0, "no check before the pause is over"

    clock.now += RECHECK_SECONDS
    await nlu.parse("Versandkosten?")
    await asyncio.sleep(0.2)  # the health check runs beside the parse
    assert broken.status_checks == 1, "checked once the pause was over"
    assert broken.parses == 0, "still failing its check: no traffic"

    broken.failing = False
    clock.now += RECHECK_SECONDS
    await nlu.parse("Versandkosten?")
    await asyncio.sleep(0.2)
    for _ in range(4):
        await nlu.parse("Versandkosten?")
    assert broken.parses == 2, "back in turn once its check passed"


async def test_with_no_healthy_replica_a_parse_fails_at_once(
    replicas: list[FakeRasa], http: aiohttp.ClientSession
) -> None:
    for replica in replicas:
        replica.failing = True
    nlu = pool(http, replicas, Clock())
    with pytest.raises(NluUnavailableError, match="HTTP 503"):
        await nlu.parse("Versandkosten?")
    with pytest.raises(NluUnavailableError, match="no Rasa replica is healthy"):
        await nlu.parse("Versandkosten?")
    assert not await nlu.ready()


async def test_when_all_are_set_aside_the_due_health_check_is_awaited(
    replicas: list[FakeRasa], http: aiohttp.ClientSession
) -> None:
    for replica in replicas:
        replica.failing = True
    clock = Clock()
    nlu = pool(http, replicas, clock)
    with pytest.raises(NluUnavailableError):
        await nlu.parse("Versandkosten?")
    for replica in replicas:
        replica.failing = False
    clock.now += RECHECK_SECONDS
    assert (await nlu.parse("Versandkosten?")).top.name.startswith("from_")


async def test_the_served_model_is_the_one_all_agree_on(
    replicas: list[FakeRasa], http: aiohttp.ClientSession
) -> None:
    nlu = pool(http, replicas, Clock())
    assert await nlu.served_model() == "nlu-a.tar.gz"
    replicas[1].model = "nlu-b.tar.gz"  # a swap half done
    assert await nlu.served_model() is None
    replicas[0].failing = True  # only the answering replicas count
    assert await nlu.served_model() == "nlu-b.tar.gz"
    assert await nlu.ready()


def test_rasa_url_names_one_replica_or_several() -> None:
    one = Settings(_env_file=None, rasa_url="http://rasa:5005/")  # type: ignore[call-arg]
    assert one.rasa_urls == ("http://rasa:5005",)
    several = Settings(_env_file=None, rasa_url="http://rasa-1:5005, http://rasa-2:5005")  # type: ignore[call-arg]
    assert several.rasa_urls == ("http://rasa-1:5005", "http://rasa-2:5005")
    assert several.primary_rasa_url == "http://rasa-1:5005"
