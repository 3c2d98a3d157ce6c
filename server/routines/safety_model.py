"""Disclosure by a trained classifier over sentence vectors. Pure.

A ridge regression onto one-hot classes over the universal-sentence-encoder vectors that
disclosure_meaning.py makes: five classes (everyday and the four categories). A sentence is a
disclosure when one minus its everyday score reaches `threshold`; its category is the
likeliest of the four. The weights are a small .npz in server/data/<locale>/, made reproducibly
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

CLASSES = ("everyday", "fear", "violence", "coercion", "self_harm")
WEIGHTS_FILE = "safety_model.npz"


@dataclass(frozen=True)
class Model:
    """Weights (features x classes), bias, the stop threshold and the training digest."""

    weights: np.ndarray
    bias: np.ndarray
    threshold: float
    digest: str = ""
    encoder: str = "use"
    """Which sentence vectors it reads: see encoder_for."""

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """One row per vector: the fitted value of each class (near 1 for its own, 0 for others)."""
        return np.atleast_2d(vectors) @ self.weights + self.bias

    def categories(self, vectors: np.ndarray) -> list[str | None]:
        """The category of each vector, or None when its disclosure score is under the threshold."""
        out: list[str | None] = []
        for s in self.scores(vectors):
            out.append(CLASSES[1 + int(s[1:].argmax())] if 1.0 - s[0] >= self.threshold else None)
        return out

    def save(self, path) -> None:
        np.savez_compressed(path, weights=self.weights.astype(np.float32), bias=self.bias.astype(np.float32),
                            threshold=np.float32(self.threshold), digest=np.array(self.digest), encoder=np.array(self.encoder),
                            classes=np.array(CLASSES))

    @classmethod
    def load(cls, path) -> "Model":
        with np.load(path) as f:
            if tuple(str(c) for c in f["classes"]) != CLASSES:
                raise ValueError(f"{path}: classes {list(f['classes'])} are not {list(CLASSES)}")
            return cls(f["weights"], f["bias"], float(f["threshold"]), str(f["digest"]), str(f["encoder"]))


def fit(vectors: np.ndarray, labels: Sequence[int], l2: float = 1.0,
        class_weight: Sequence[float] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weighted ridge regression onto one-hot classes: a closed form, so the same data always
    gives the same weights, and a fit takes a fraction of a second."""
    x = np.asarray(vectors, dtype=np.float64)
    y = np.asarray(labels)
    k = len(CLASSES)
    cw = np.ones(k) if class_weight is None else np.asarray(class_weight, dtype=np.float64)
    sw = cw[y]
    xb = np.hstack([x, np.ones((len(x), 1))])
    a = (xb * sw[:, None]).T @ xb
    reg = l2 * np.eye(xb.shape[1])
    reg[-1, -1] = 0.0                       # the bias is not shrunk
    coef = np.linalg.solve(a + reg, (xb * sw[:, None]).T @ np.eye(k)[y])
    return coef[:-1].astype(np.float32), coef[-1].astype(np.float32)


@lru_cache(maxsize=4)
def model_for(locale: str = "en") -> Model | None:
    """The locale's trained model, or None when the locale has none."""
    path = resources.files("server").joinpath("data", locale, WEIGHTS_FILE)
    if not path.is_file():
        return None
    with resources.as_file(path) as real:
        return Model.load(real)


ENCODER = "use+minilm"
"""Which sentence vectors the classifier reads (bench/safety_train.py measures the choices)."""


def encoder_for(name: str):
    """A function from sentences to their vectors: "use", "minilm", or both side by side."""
    from threadpoolctl import threadpool_limits

    parts = []
    for part in name.split("+"):
        if part == "use":
            from server.routines.disclosure_meaning import _encoder
            parts.append(_encoder())
        elif part == "minilm":
            from server.routines.safety_encoder import MiniLM
            parts.append(MiniLM())
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
