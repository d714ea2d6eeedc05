"""A second, independent opinion: the intents of the most similar training examples by
character n-grams. The decision policy blends it into the model's ranking and acts only when
both agree, which lifts accuracy on unseen phrasings and cuts the confident wrong answers DIET
gives alone (see `servicebot nlu evaluate`)."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence

import yaml

from nlu.training_data import IntentExamples

_ANNOTATION = re.compile(r"\[([^\]]*)\]\(\w+\)")
NGRAM_SIZES = (3, 4, 5)


def _grams(text: str) -> Counter[str]:
    padded = f" {' '.join(text.casefold().split())} "
    return Counter(padded[i : i + n] for n in NGRAM_SIZES for i in range(len(padded) - n + 1))


def examples_from_training_yaml(document: str) -> list[IntentExamples]:
    """The intents and examples of a Rasa NLU YAML document, annotations removed."""
    parsed = yaml.safe_load(document)
    found = []
    for item in parsed.get("nlu", []):
        if "intent" in item:
            lines = [line.strip()[2:] for line in str(item["examples"]).splitlines()]
            texts = tuple(_ANNOTATION.sub(r"\1", line) for line in lines if line)
            found.append(IntentExamples(str(item["intent"]), texts))
    return found


class ExampleIndex:
    """TF-IDF weighted character n-grams of every training example, with an inverted index."""

    def __init__(self, examples: Sequence[IntentExamples], neighbours: int = 5) -> None:
        documents = [(item.intent, _grams(text)) for item in examples for text in item.examples]
        frequency = Counter(gram for _intent, grams in documents for gram in grams)
        total = len(documents)
        self._idf = {gram: math.log(total / (1 + n)) + 1 for gram, n in frequency.items()}
        self._intents = [intent for intent, _grams in documents]
        self._postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for index, (_intent, grams) in enumerate(documents):
            for gram, weight in self._vector(grams).items():
                self._postings[gram].append((index, weight))
        self._neighbours = neighbours

    def _vector(self, grams: Counter[str]) -> dict[str, float]:
        weights = {g: (1 + math.log(n)) * self._idf[g] for g, n in grams.items() if g in self._idf}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {gram: weight / norm for gram, weight in weights.items()}

    def shares(self, text: str) -> dict[str, float]:
        """Each intent's share of the similarity among the nearest examples (sums to 1)."""
        scores: dict[int, float] = defaultdict(float)
        for gram, weight in self._vector(_grams(text)).items():
            for index, document_weight in self._postings.get(gram, ()):
                scores[index] += weight * document_weight
        nearest = sorted(scores.items(), key=lambda item: item[1], reverse=True)[: self._neighbours]
        votes: defaultdict[str, float] = defaultdict(float)
        for index, similarity in nearest:
            votes[self._intents[index]] += similarity
        total = sum(votes.values())
        return {intent: vote / total for intent, vote in votes.items()} if total else {}


class SecondOpinion:
    """The example vote for the training data of the model being served, rebuilt when a new
    model (named by its training data's hash) is swapped in."""

    def __init__(
        self,
        training_yaml: Callable[[str | None], Awaitable[str]],
        model_name: Callable[[], Awaitable[str | None]],
    ) -> None:
        self._training_yaml = training_yaml
        self._model_name = model_name
        self._index: ExampleIndex | None = None
        self._built_for: str | None = None

    async def prepare(self) -> None:
        """Build the index now: built for the first message, it stalls every message a
        freshly started worker has already taken (seconds on a busy machine)."""
        await self._current()

    async def shares(self, text: str) -> dict[str, float]:
        """How the nearest training examples split between intents."""
        return (await self._current()).shares(text)

    async def _current(self) -> ExampleIndex:
        model = await self._model_name()
        if self._index is None or model != self._built_for:
            examples = examples_from_training_yaml(await self._training_yaml(model))
            self._index, self._built_for = ExampleIndex(examples), model
        return self._index
