"""The Rasa training data as generated from the FAQ in the database (one place, used by
`nlu train` and by the second opinion in the decision policy)."""

from __future__ import annotations

from faq.ports import FaqRepository
from nlu.training_data import IntentExamples, build_training_yaml


async def training_yaml_from(faq: FaqRepository) -> str:
    """Base intents plus one intent per FAQ slug with its examples in every language."""
    by_slug: dict[str, list[str]] = {}
    for entry in await faq.all_entries():
        by_slug.setdefault(entry.slug, []).extend(entry.examples)
    return build_training_yaml([IntentExamples(slug, tuple(ex)) for slug, ex in by_slug.items()])
