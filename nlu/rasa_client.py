"""Nlu adapter for a Rasa server's HTTP API (POST /model/parse)."""

from __future__ import annotations

import time
from typing import Any

import aiohttp

from bot.errors import NluUnavailableError
from nlu.ports import Entity, IntentScore, NluResult

# After a model swap, parses may be cached under the old model's name for this long.
MODEL_RECHECK_SECONDS = 5.0


class RasaNlu:
    """Talks to `rasa run --enable-api`; the session is owned by the caller."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._model: str | None = None
        self._model_checked_at = -MODEL_RECHECK_SECONDS - 1.0

    async def parse(self, text: str) -> NluResult:
        """Classify one message via /model/parse."""
        try:
            async with self._session.post(
                f"{self._base_url}/model/parse", json={"text": text}, timeout=self._timeout
            ) as response:
                if response.status != 200:
                    raise NluUnavailableError(f"rasa answered HTTP {response.status}")
                body: dict[str, Any] = await response.json()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise NluUnavailableError(f"rasa unreachable: {exc.__class__.__name__}") from exc
        return parse_rasa_response(text, body)

    async def ready(self) -> bool:
        """A model is loaded (GET /status answers with a model file)."""
        return await self.served_model() is not None

    async def model_name(self) -> str | None:
        """The loaded model's file name, asked at most every few seconds."""
        now = time.monotonic()
        if now - self._model_checked_at > MODEL_RECHECK_SECONDS:
            self._model = await self.served_model()
            self._model_checked_at = now
        return self._model

    async def served_model(self) -> str | None:
        """The loaded model's file name, asked now (None while none answers)."""
        try:
            async with self._session.get(
                f"{self._base_url}/status", timeout=aiohttp.ClientTimeout(total=3)
            ) as response:
                if response.status != 200:
                    return None
                body: dict[str, Any] = await response.json()
                return str(body["model_file"]) if body.get("model_file") else None
        except (TimeoutError, aiohttp.ClientError):
            return None


def parse_rasa_response(text: str, body: dict[str, Any]) -> NluResult:
    """Turn Rasa's parse JSON into our NluResult."""
    ranking = body.get("intent_ranking") or ([body["intent"]] if body.get("intent") else [])
    scores = tuple(
        IntentScore(str(item["name"]), float(item.get("confidence") or 0.0))
        for item in ranking
        if item.get("name")
    )
    entities = tuple(
        Entity(str(item["entity"]), str(item["value"])) for item in body.get("entities") or []
    )
    return NluResult(text=text, ranking=scores, entities=entities)
