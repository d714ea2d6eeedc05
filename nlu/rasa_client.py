"""Nlu adapter for a Rasa server's HTTP API (POST /model/parse)."""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.errors import NluUnavailableError
from nlu.ports import Entity, IntentScore, NluResult


class RasaNlu:
    """Talks to `rasa run --enable-api`; the session is owned by the caller."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float) -> None:
        self._session = session
        self._base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)

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
        try:
            async with self._session.get(
                f"{self._base_url}/status", timeout=aiohttp.ClientTimeout(total=3)
            ) as response:
                if response.status != 200:
                    return False
                body: dict[str, Any] = await response.json()
                return bool(body.get("model_file"))
        except (TimeoutError, aiohttp.ClientError):
            return False


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
