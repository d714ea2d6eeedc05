"""The Nlu port's contract, held by the real Rasa adapter (real server) and the test fake."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.errors import NluUnavailableError
from nlu.fake import KeywordNlu
from nlu.ports import Nlu
from nlu.rasa_client import RasaNlu
from tests.net import free_port

pytestmark = pytest.mark.e2e


@pytest.fixture(params=["rasa", "fake"])
async def nlu(request: pytest.FixtureRequest, rasa_url: str) -> AsyncIterator[Nlu]:
    """Each adapter in turn."""
    if request.param == "fake":
        yield KeywordNlu({"order_status": ("bestellung",), "greet": ("hallo",)})
        return
    async with aiohttp.ClientSession() as http:
        yield RasaNlu(http, rasa_url, timeout=10)


async def test_ranking_is_best_first_with_probabilities(nlu: Nlu) -> None:
    result = await nlu.parse("hallo")
    confidences = [score.confidence for score in result.ranking]
    assert result.top.name == "greet"
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert result.text == "hallo"


@pytest.mark.parametrize("written", ["KR-204819", "kr 204819", "204819"])
async def test_order_numbers_are_extracted_as_written(nlu: Nlu, written: str) -> None:
    result = await nlu.parse(f"Wo bleibt meine Bestellung {written}?")
    found = result.entity("order_id")
    assert found is not None
    assert found.lower() == written.lower()  # Rasa's case-insensitive regex lowercases


async def test_it_reports_ready(nlu: Nlu) -> None:
    assert await nlu.ready()


async def test_an_unreachable_rasa_is_unavailable_not_a_crash() -> None:
    async with aiohttp.ClientSession() as http:
        rasa = RasaNlu(http, f"http://127.0.0.1:{free_port()}", timeout=2)
        assert not await rasa.ready()
        with pytest.raises(NluUnavailableError):
            await rasa.parse("hallo")


async def test_rasa_names_the_model_it_serves(rasa_url: str) -> None:
    async with aiohttp.ClientSession() as http:
        name = await RasaNlu(http, rasa_url, timeout=10).model_name()
    assert name is not None
    assert name.startswith("nlu-")
    assert name.endswith(".tar.gz")
