"""The second opinion: nearest training examples by character n-grams."""

from __future__ import annotations

import pytest

from faq.seed import load_faq_file
from nlu.example_index import ExampleIndex, SecondOpinion, examples_from_training_yaml
from nlu.training_data import IntentExamples, build_training_yaml

EXAMPLES = [
    IntentExamples("shipping_costs", ("Was kostet der Versand?", "versandkosten", "shipping fee")),
    IntentExamples("delivery_time", ("Wie lange dauert die Lieferung?", "lieferzeit")),
    IntentExamples("greet", ("hallo", "guten morgen")),
]


def favourite(index: ExampleIndex, text: str) -> str | None:
    """The intent with the largest share of the nearest examples."""
    shares = index.shares(text)
    return max(shares, key=shares.__getitem__) if shares else None


def test_the_nearest_examples_vote_for_their_intent() -> None:
    index = ExampleIndex(EXAMPLES)
    assert favourite(index, "was kostet der versnad") == "shipping_costs"  # typo and all
    assert favourite(index, "wie lange dauert es bis zur lieferung") == "delivery_time"
    assert favourite(index, "Hallo!") == "greet"


def test_the_shares_split_the_vote_and_sum_to_one() -> None:
    shares = ExampleIndex(EXAMPLES, neighbours=3).shares("versandkosten und lieferzeit")
    assert set(shares) >= {"shipping_costs", "delivery_time"}
    assert sum(shares.values()) == pytest.approx(1.0)


def test_no_shared_ngram_means_no_opinion() -> None:
    assert ExampleIndex(EXAMPLES).shares("§§§") == {}


def test_examples_are_read_back_from_the_generated_training_data() -> None:
    examples = examples_from_training_yaml(build_training_yaml(EXAMPLES))
    by_intent = {item.intent: item.examples for item in examples}
    assert by_intent["shipping_costs"] == (
        "Was kostet der Versand?",
        "versandkosten",
        "shipping fee",
    )
    assert any("KR-204815" in text for text in by_intent["order_status"])  # annotation removed
    assert all("](order_id)" not in text for texts in by_intent.values() for text in texts)


async def test_the_index_is_rebuilt_when_a_new_model_is_served() -> None:
    builds: list[str] = []
    model = {"name": "nlu-a"}

    async def training_yaml(served: str | None) -> str:
        builds.append(str(served))
        return build_training_yaml(EXAMPLES)

    async def model_name() -> str | None:
        return model["name"]

    opinion = SecondOpinion(training_yaml, model_name)
    await opinion.shares("hallo")
    await opinion.shares("versandkosten")
    model["name"] = "nlu-b"
    await opinion.shares("hallo")
    assert builds == ["nlu-a", "nlu-b"]


async def test_prepare_builds_the_index_so_the_first_message_does_not() -> None:
    builds: list[str] = []

    async def training_yaml(served: str | None) -> str:
        builds.append(str(served))
        return build_training_yaml(EXAMPLES)

    async def model_name() -> str | None:
        return "nlu-a"

    opinion = SecondOpinion(training_yaml, model_name)
    await opinion.prepare()
    assert builds == ["nlu-a"]
    await opinion.shares("hallo")
    assert builds == ["nlu-a"]


def test_the_demo_faq_is_recognised_from_its_own_examples() -> None:
    faq = [IntentExamples(e.slug, e.examples) for e in load_faq_file() if e.language == "de"]
    index = ExampleIndex(faq)
    assert favourite(index, "Was kostet der Versand?") == "shipping_costs"
