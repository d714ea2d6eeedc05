"""The Rasa training data as generated from FAQ entries (one place, used by `nlu train`,
the FAQ publisher and the second opinion in the decision policy), and the training data of
each model kept in the database under the model's name."""

from __future__ import annotations

from collections.abc import Sequence

from bot.storage.database import SessionFactory
from bot.storage.models import NluTrainingSetRecord
from faq.model import FaqEntryData
from faq.ports import FaqRepository
from nlu.training_data import IntentExamples, build_training_yaml


def training_yaml_for(entries: Sequence[FaqEntryData]) -> str:
    """Base intents plus one intent per FAQ slug with its examples in every language."""
    by_slug: dict[str, list[str]] = {}
    for entry in entries:
        by_slug.setdefault(entry.slug, []).extend(entry.examples)
    return build_training_yaml([IntentExamples(slug, tuple(ex)) for slug, ex in by_slug.items()])


async def training_yaml_from(faq: FaqRepository) -> str:
    """The training data for the FAQ as it is in the repository now."""
    return training_yaml_for(await faq.all_entries())


class TrainingSets:
    """What each model was trained on, by the model's file name (as Rasa's /status names
    it), so that every process knows what the served model knows."""

    def __init__(self, sessions: SessionFactory) -> None:
        self._sessions = sessions

    async def save(self, model_file: str, training_yaml: str) -> None:
        """Keep the training data of a model (before it is served)."""
        async with self._sessions.begin() as session:
            # The name is the data's hash: a second save of one name writes the same text.
            await session.merge(NluTrainingSetRecord(model=model_file, training_yaml=training_yaml))

    async def get(self, model_file: str) -> str | None:
        """The training data of that model, if it was recorded."""
        async with self._sessions() as session:
            record = await session.get(NluTrainingSetRecord, model_file)
            return record.training_yaml if record else None
