"""The decision policy as the live bot, `nlu predict` and the FAQ test box build it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.nlu_data import TrainingSets, training_yaml_from
from bot.settings import Settings
from faq.ports import FaqRepository
from nlu.decision import Thresholds
from nlu.example_index import SecondOpinion
from nlu.ports import Nlu
from nlu.reader import MessageReader


def message_reader(
    settings: Settings,
    nlu: Nlu,
    faq: FaqRepository,
    model_name: Callable[[], Awaitable[str | None]],
    training_sets: TrainingSets,
) -> MessageReader:
    """The decision policy as the live bot and `nlu predict` use it: the configured
    thresholds and the vote of the served model's training examples."""
    thresholds = Thresholds(
        settings.nlu_confidence_threshold, settings.nlu_margin, settings.nlu_example_weight
    )

    async def served_training_data(model: str | None) -> str:
        # A model trained before its data was recorded: the live FAQ is the best guess.
        recorded = await training_sets.get(model) if model else None
        return recorded if recorded is not None else await training_yaml_from(faq)

    return MessageReader(nlu, SecondOpinion(served_training_data, model_name), thresholds)
