"""The second opinion: nearest training examples by character n-grams."""

from __future__ import annotations

import math
from collections import Counter

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


def cosine_vote(examples: list[IntentExamples], text: str, neighbours: int) -> dict[str, float]:
    """The vote computed the slow, obvious way: the TF-IDF cosine of the text with every
    example, the `neighbours` most similar (earlier first among equals) sharing the vote."""

    def grams(value: str) -> Counter[str]:
        padded = f" {' '.join(value.casefold().split())} "
        return Counter(padded[i : i + n] for n in (3, 4, 5) for i in range(len(padded) - n + 1))

    documents = [(item.intent, grams(example)) for item in examples for example in item.examples]
    frequency = Counter(gram for _intent, counted in documents for gram in counted)
    idf = {gram: math.log(len(documents) / (1 + n)) + 1 for gram, n in frequency.items()}

    def unit(counted: Counter[str]) -> dict[str, float]:
        weights = {g: (1 + math.log(n)) * idf[g] for g, n in counted.items() if g in idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}

    query = unit(grams(text))
    similarities = [
        (sum(w * query.get(g, 0.0) for g, w in unit(counted).items()), -number, intent)
        for number, (intent, counted) in enumerate(documents)
    ]
    nearest = sorted((s for s in similarities if s[0] > 0), reverse=True)[:neighbours]
    total = sum(similarity for similarity, _n, _intent in nearest)
    votes: dict[str, float] = {}
    for similarity, _number, intent in nearest:
        votes[intent] = votes.get(intent, 0.0) + similarity / total
    return votes


@pytest.mark.parametrize(
    "text",
    ["was kostet der versnad", "Hallo, wie lange dauert die Lieferung?", "fee", "guten", "xyz"],
)
def test_the_index_votes_as_the_plain_cosine_similarity_does(text: str) -> None:
    examples = [*EXAMPLES, IntentExamples("thanks", ("danke", "guten dank", "versand danke"))]
    shares = ExampleIndex(examples, neighbours=3).shares(text)
    expected = cosine_vote(examples, text, neighbours=3)
    assert shares.keys() == expected.keys()
    assert all(shares[intent] == pytest.approx(expected[intent]) for intent in expected)


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
