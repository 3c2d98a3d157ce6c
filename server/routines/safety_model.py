"""Disclosure by a trained classifier over sentence vectors. Pure.

A small network (one hidden layer) over three sentence encoders' vectors side by side: the
universal-sentence-encoder, all-MiniLM-L6-v2 and multilingual-e5-small (safety_encoder.py). Five classes (everyday and the four categories); a sentence is a disclosure
when its chance of not being everyday reaches `threshold`, and its category is the likeliest of
the four. The weights are a small .npz in server/data/<locale>/, made reproducibly
by bench/safety_train.py from the YAML training sentences (server/data/<locale>/safety_training.yaml
and the sets it names); the file records a digest of what it was trained on so a test can tell
when it is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Sequence

import numpy as np

from server.routines.safety_encoder import MiniLM, e5_encoder, use_encoder_cached

CLASSES = ("everyday", "fear", "violence", "coercion", "self_harm")
WEIGHTS_FILE = "safety_model.npz"


@dataclass(frozen=True)
class Model:
    """A small network: ReLU layers, then a softmax over CLASSES; the stop threshold; the
    training digest; the encoder whose vectors it reads."""

    layers: tuple[tuple[np.ndarray, np.ndarray], ...]
    threshold: float
    digest: str = ""
    encoder: str = "use+minilm"

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        h = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        for i, (w, b) in enumerate(self.layers):
            h = h @ w + b
            if i < len(self.layers) - 1:
                h = np.maximum(h, 0.0)
        h -= h.max(axis=1, keepdims=True)
        p = np.exp(h)
        return p / p.sum(axis=1, keepdims=True)

    def categories(self, vectors: np.ndarray) -> list[str | None]:
        """The category of each vector, or None when its chance of a disclosure is under the threshold."""
        out: list[str | None] = []
        for p in self.probabilities(vectors):
            out.append(CLASSES[1 + int(p[1:].argmax())] if 1.0 - p[0] >= self.threshold else None)
        return out

    def save(self, path) -> None:
        arrays = {f"w{i}": w.astype(np.float32) for i, (w, _) in enumerate(self.layers)}
        arrays.update({f"b{i}": b.astype(np.float32) for i, (_, b) in enumerate(self.layers)})
        np.savez_compressed(path, threshold=np.float32(self.threshold), digest=np.array(self.digest),
                            encoder=np.array(self.encoder), classes=np.array(CLASSES), **arrays)

    @classmethod
    def load(cls, path) -> "Model":
        with np.load(path) as f:
            if tuple(str(c) for c in f["classes"]) != CLASSES:
                raise ValueError(f"{path}: classes {list(f['classes'])} are not {list(CLASSES)}")
            n = sum(1 for k in f.files if k.startswith("w"))
            layers = tuple((f[f"w{i}"], f[f"b{i}"]) for i in range(n))
            return cls(layers, float(f["threshold"]), str(f["digest"]), str(f["encoder"]))


@lru_cache(maxsize=4)
def model_for(locale: str = "en") -> Model | None:
    """The locale's trained model, or None when the locale has none."""
    path = resources.files("server").joinpath("data", locale, WEIGHTS_FILE)
    if not path.is_file():
        return None
    with resources.as_file(path) as real:
        return Model.load(real)


def encoder_for(name: str):
    """A function from sentences to their vectors: "use", "minilm", "e5", or several side by side ("use+e5")."""
    from threadpoolctl import threadpool_limits

    parts = []
    for part in name.split("+"):
        if part == "use":
            parts.append(use_encoder_cached())
        elif part == "minilm":
            parts.append(MiniLM())
        elif part == "e5":
            parts.append(e5_encoder())
        else:
            raise ValueError(f"unknown encoder {part!r}")

    def encode(texts: Sequence[str]) -> np.ndarray:
        # One BLAS thread: on a busy 2-core machine more threads made each sentence far slower.
        with threadpool_limits(1):
            return np.hstack([np.asarray(p(list(texts)), dtype=np.float32) for p in parts])
    return encode


@lru_cache(maxsize=2)
def _encode(name: str):
    return encoder_for(name)


MIN_WORDS = 3
"""Shorter texts (a slot's single feeling word, "yes", "next") are left to the rules."""


@lru_cache(maxsize=4096)
def predict(text: str, locale: str = "en") -> str | None:
    """The classifier's category for `text`, or None (also when the locale has no model)."""
    model = model_for(locale)
    if model is None or len(text.split()) < MIN_WORDS:
        return None
    return model.categories(_encode(model.encoder)([text]))[0]


def warm(locale: str = "en") -> None:
    """Load the encoder and the weights now rather than on the first sentence said."""
    predict("a sentence to load the encoder with", locale)
