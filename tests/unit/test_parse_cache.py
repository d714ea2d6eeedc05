"""Parse results are cached per model and normalised text, on a real Redis."""

from __future__ import annotations

import redis.asyncio as aioredis

from nlu.cache import CachedNlu
from nlu.fake import KeywordNlu
from nlu.ports import NluResult


class CountingNlu:
    """A keyword Nlu that counts parses and serves a model name we can change."""

    def __init__(self) -> None:
        self.inner = KeywordNlu({"shipping_costs": ("versand",), "greet": ("hallo",)})
        self.parses = 0
        self.model: str | None = "nlu-aaa.tar.gz"

    async def parse(self, text: str) -> NluResult:
        """Count, then classify."""
        self.parses += 1
        return await self.inner.parse(text)

    async def ready(self) -> bool:
        """Always ready."""
        return True

    async def model_name(self) -> str | None:
        """The model we pretend to serve."""
        return self.model


async def test_the_same_question_is_parsed_once_per_model(redis: aioredis.Redis) -> None:
    inner = CountingNlu()
    nlu = CachedNlu(inner, redis, "test:parse", ttl_seconds=60)
    first = await nlu.parse("Was kostet der Versand für KR-204815?")
    again = await nlu.parse("  was KOSTET der   versand für kr-204815?")
    assert inner.parses == 1
    assert again.ranking == first.ranking
    assert again.entities == first.entities
    assert again.text == "  was KOSTET der   versand für kr-204815?"
    inner.model = "nlu-bbb.tar.gz"  # a new model was swapped in
    await nlu.parse("Was kostet der Versand für KR-204815?")
    assert inner.parses == 2


async def test_different_questions_are_not_confused(redis: aioredis.Redis) -> None:
    inner = CountingNlu()
    nlu = CachedNlu(inner, redis, "test:parse", ttl_seconds=60)
    assert (await nlu.parse("versand?")).top.name == "shipping_costs"
    assert (await nlu.parse("hallo")).top.name == "greet"
    assert inner.parses == 2


async def test_nothing_is_cached_while_the_model_is_unknown(redis: aioredis.Redis) -> None:
    inner = CountingNlu()
    inner.model = None
    nlu = CachedNlu(inner, redis, "test:parse", ttl_seconds=60)
    await nlu.parse("hallo")
    await nlu.parse("hallo")
    assert inner.parses == 2
    assert await redis.keys("test:parse:*") == []


async def test_cached_results_expire(redis: aioredis.Redis) -> None:
    nlu = CachedNlu(CountingNlu(), redis, "test:parse", ttl_seconds=60)
    await nlu.parse("hallo")
    [key] = await redis.keys("test:parse:*")
    assert 0 < await redis.ttl(key) <= 60
