"""The second opinion: nearest training examples by character n-grams."""

from __future__ import annotations

from faq.seed import load_faq_file
from nlu.example_index import ExampleIndex, SecondOpinion, examples_from_training_yaml
from nlu.training_data import IntentExamples, build_training_yaml

EXAMPLES = [
    IntentExamples("shipping_costs", ("Was kostet der Versand?", "versandkosten", "shipping fee")),
    IntentExamples("delivery_time", ("Wie lange dauert die Lieferung?", "lieferzeit")),
    IntentExamples("greet", ("hallo", "guten morgen")),
]


def test_the_nearest_examples_vote_for_their_intent() -> None:
    index = ExampleIndex(EXAMPLES)
    assert index.vote("was kostet der versnad") == "shipping_costs"  # typo and all
    assert index.vote("wie lange dauert es bis zur lieferung") == "delivery_time"
    assert index.vote("Hallo!") == "greet"


def test_no_shared_ngram_means_no_opinion() -> None:
    assert ExampleIndex(EXAMPLES).vote("§§§") is None


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

    async def training_yaml() -> str:
        builds.append(model["name"])
        return build_training_yaml(EXAMPLES)

    async def model_name() -> str | None:
        return model["name"]

    opinion = SecondOpinion(training_yaml, model_name)
    await opinion.vote("hallo")
    await opinion.vote("versandkosten")
    model["name"] = "nlu-b"
    await opinion.vote("hallo")
    assert builds == ["nlu-a", "nlu-b"]


def test_the_demo_faq_is_recognised_from_its_own_examples() -> None:
    faq = [IntentExamples(e.slug, e.examples) for e in load_faq_file() if e.language == "de"]
    index = ExampleIndex(faq)
    assert index.vote("Was kostet der Versand?") == "shipping_costs"
