"""Parse results cached in Redis, keyed by the loaded model and the normalised text: the same
question on the same model is classified once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Protocol

import redis.asyncio as aioredis

from nlu.ports import Entity, IntentScore, NluResult


class VersionedNlu(Protocol):
    """An Nlu that can name the model it currently serves."""

    async def parse(self, text: str) -> NluResult:
        """Classify one message."""
        ...

    async def ready(self) -> bool:
        """A model is loaded."""
        ...

    async def model_name(self) -> str | None:
        """The loaded model (changes when a new one is swapped in), or None if unknown."""
        ...


def normalise(text: str) -> str:
    """Case and spacing do not change what a customer asks."""
    return " ".join(text.casefold().split())


class CachedNlu:
    """Nlu adapter that answers repeated questions from Redis; misses go to the wrapped Nlu."""

    def __init__(
        self, inner: VersionedNlu, redis: aioredis.Redis, key_prefix: str, ttl_seconds: int
    ) -> None:
        self._inner = inner
        self._redis = redis
        self._prefix = key_prefix
        self._ttl = ttl_seconds

    async def parse(self, text: str) -> NluResult:
        """The cached result for this model and text, else a fresh parse (then cached)."""
        model = await self._inner.model_name()
        if model is None:  # cannot tell which model answers: never serve a stale result
            return await self._inner.parse(text)
        digest = hashlib.sha256(normalise(text).encode()).hexdigest()[:32]
        key = f"{self._prefix}:{model}:{digest}"
        cached = await self._redis.get(key)
        if cached is not None:
            return _decode(text, cached)
        result = await self._inner.parse(text)
        await self._redis.set(key, _encode(result), ex=self._ttl)
        return result

    async def ready(self) -> bool:
        """Ready when the wrapped Nlu is."""
        return await self._inner.ready()


def _encode(result: NluResult) -> str:
    return json.dumps(
        {
            "ranking": [asdict(score) for score in result.ranking],
            "entities": [asdict(entity) for entity in result.entities],
        }
    )


def _decode(text: str, raw: bytes | str) -> NluResult:
    data = json.loads(raw)
    return NluResult(
        text=text,
        ranking=tuple(IntentScore(**score) for score in data["ranking"]),
        entities=tuple(Entity(**entity) for entity in data["entities"]),
    )
