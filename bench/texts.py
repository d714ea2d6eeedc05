"""What the benchmark's customers write: real phrasings from the held-out evaluation set
(German and English, FAQ questions and small talk, never seen in training), drawn either all
unique or in a Zipf mix where the popular questions repeat, as they do in a service inbox."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from nlu.evaluation.metrics import load_labelled

# Intents whose answer is a single message and leaves the chat with the bot: the driver
# waits for one reply per message. (A handoff hands the chat to a person; an order-status
# question starts a verification dialogue of several turns.)
SINGLE_REPLY_INTENTS_EXCLUDED = frozenset({"human_handoff", "order_status", "nlu_fallback"})
ZIPF_EXPONENT = 1.1  # a few questions make up most of the traffic


@dataclass(frozen=True)
class Corpus:
    """The distinct texts, most popular first (their order sets the Zipf ranks)."""

    texts: tuple[str, ...]

    def zipf(self, count: int, seed: int) -> list[str]:
        """`count` texts drawn with weight 1/rank^s: popular questions repeat."""
        weights = [1.0 / (rank**ZIPF_EXPONENT) for rank in range(1, len(self.texts) + 1)]
        return random.Random(seed).choices(self.texts, weights=weights, k=count)

    def unique(self, count: int, seed: int) -> list[str]:
        """`count` texts no cache has seen: each a corpus text with a made-up reference
        word appended (letters only: a number could read as an order number), which
        changes no intent but every cache key."""
        rng = random.Random(seed)
        return [
            f"{rng.choice(self.texts)} (ref {_word(seed * 1_000_003 + n)})" for n in range(count)
        ]


def corpus(candidates: Sequence[str] | None = None, seed: int = 9) -> Corpus:
    """The held-out messages the driver can wait for one reply to, in a shuffled but fixed
    popularity order (or `candidates`, kept in their order)."""
    if candidates is not None:
        return Corpus(tuple(candidates))
    texts = [m.text for m in load_labelled() if m.intent not in SINGLE_REPLY_INTENTS_EXCLUDED]
    random.Random(seed).shuffle(texts)
    return Corpus(tuple(dict.fromkeys(texts)))


def chunks(texts: Sequence[str], size: int) -> Iterator[list[str]]:
    """Consecutive conversations of `size` messages."""
    for start in range(0, len(texts), size):
        yield list(texts[start : start + size])


def _word(number: int) -> str:
    """A distinct lowercase word for each number."""
    letters = []
    while True:
        number, digit = divmod(number, 26)
        letters.append(chr(ord("a") + digit))
        if number == 0:
            return "".join(letters)
