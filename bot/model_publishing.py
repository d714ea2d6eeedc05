"""The FAQ publisher's adapters (faq/publisher.py, faq/candidates.py): Rasa training in a
thread with its training data recorded first, the model the NLU server serves, the test
box's candidate in Redis, and a Redis lease so that only one web process publishes."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import secrets
from collections.abc import Sequence

import redis.asyncio as aioredis

from bot.nlu_data import TrainingSets, training_yaml_for
from bot.settings import Settings
from faq.candidates import CandidateState, CandidateStatus
from faq.model import FaqEntryData
from faq.publisher import Progress
from nlu.replicas import RasaReplicas
from nlu.trainer import mark_current, model_path, train

LEASE_SECONDS = 60  # renewed while held; another process takes over this long after a crash
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RasaModelTrainer:
    """Trains into the model directory the NLU gateway follows (`servicebot nlu serve`)."""

    def __init__(self, settings: Settings, rasa: RasaReplicas, training_sets: TrainingSets) -> None:
        self._settings = settings
        self._rasa = rasa
        self._training_sets = training_sets

    async def train(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        """Train (or reuse the model for the same data) and mark it current."""
        return await self._train(entries, progress, make_current=True)

    async def train_candidate(self, entries: Sequence[FaqEntryData], progress: Progress) -> str:
        """Train (or reuse) without serving it: the gateway serves it under /candidates/."""
        return await self._train(entries, progress, make_current=False)

    def name_for(self, entries: Sequence[FaqEntryData]) -> str:
        """The model file these entries train into (named by the data's hash)."""
        return model_path(training_yaml_for(entries), self._settings.model_dir).name

    def exists(self, model: str) -> bool:
        """The model file is on disk (trained, not yet pruned)."""
        return (self._settings.model_dir / model).is_file()

    async def _train(
        self, entries: Sequence[FaqEntryData], progress: Progress, *, make_current: bool
    ) -> str:
        settings = self._settings
        data = training_yaml_for(entries)
        model_file = model_path(data, settings.model_dir).name
        # Recorded before the model can be served: the example vote must never build its
        # index for the new model from other data.
        await self._training_sets.save(model_file, data)
        log_file = settings.data_dir / "logs" / "rasa-train.log"
        model = await asyncio.to_thread(
            train,
            data,
            settings.model_dir,
            settings.rasa_executable,
            log_file,
            progress,
            make_current=make_current,
        )
        return model.path.name

    async def served(self) -> str | None:
        """The model file the NLU server reports now."""
        return await self._rasa.served_model()

    async def restore(self, model: str) -> None:
        """Point the gateway back at a model that is still on disk."""
        path = self._settings.model_dir / model
        if path.exists():
            mark_current(path)


class RedisCandidateRecord:
    """The candidate's status as one JSON value (small, and written whole every time)."""

    def __init__(self, redis: aioredis.Redis, key: str) -> None:
        self._redis = redis
        self._key = key

    async def get(self) -> CandidateStatus | None:
        """The recorded status, if any."""
        raw = await self._redis.get(self._key)
        if raw is None:
            return None
        fields = json.loads(raw)
        return CandidateStatus(**{**fields, "state": CandidateState(fields["state"])})

    async def put(self, status: CandidateStatus) -> None:
        """Record the status."""
        await self._redis.set(self._key, json.dumps(dataclasses.asdict(status)))


class RedisLease:
    """A lock with a TTL: SET NX to take it, renewed while held, deleted only by its owner."""

    def __init__(self, redis: aioredis.Redis, key: str, seconds: int = LEASE_SECONDS) -> None:
        self._redis = redis
        self._key = key
        self._seconds = seconds
        self._token = secrets.token_hex(16)

    async def acquire(self) -> bool:
        """Take the lease, or renew it if it is ours already."""
        if await self._redis.set(self._key, self._token, nx=True, ex=self._seconds):
            return True
        if await self._redis.get(self._key) == self._token.encode():
            await self._redis.expire(self._key, self._seconds)
            return True
        return False

    async def release(self) -> None:
        """Delete the lease if it is still ours."""
        await self._redis.eval(_RELEASE, 1, self._key, self._token)
