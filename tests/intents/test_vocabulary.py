"""The feelings and needs vocabulary is data of real size, grouped, and every slot value has a group."""

from __future__ import annotations

from intents.grammar import dictionary_words
from intents.vocabulary import VALENCES, vocabulary


def test_several_hundred_feelings_grouped_pleasant_and_unpleasant():
    vocab = vocabulary("en")
    assert len(vocab.feelings) >= 300
    assert {valence for valence, _family in vocab.feelings.values()} == set(VALENCES)
    families = {family for _valence, family in vocab.feelings.values()}
    assert len(families) >= 20
    assert vocab.feeling_group("deflated") == ("unpleasant", "sad")
    assert vocab.feeling_group("meh") == ("unpleasant", "disconnected")
    assert vocab.feeling_group("on edge") == ("unpleasant", "disquiet")
    assert vocab.feeling_group("content") == ("pleasant", "peaceful")
    assert vocab.feeling_group("ignored") == ("pseudo", "evaluation")
    assert vocab.feeling_group("banana") is None


def test_needs_are_nvc_style():
    vocab = vocabulary("en")
    assert len(vocab.needs) >= 80
    assert {"connection", "physical", "honesty", "play", "peace", "autonomy", "meaning"} == set(vocab.needs.values())


def test_every_feeling_and_need_the_matcher_can_give_has_a_group(matcher):
    vocab = vocabulary("en")
    assert not [v for v in matcher.slot_values("feeling") if vocab.feeling_group(v) is None]
    assert not [v for v in matcher.slot_values("need") if v not in vocab.needs]


def test_vocabulary_words_are_in_the_pocketsphinx_dictionary_except_a_few():
    """The JSGF export leaves out words the dictionary lacks; keep those few ("meh" is one)."""
    vocab, known = vocabulary("en"), dictionary_words()
    words = {w for phrase in [*vocab.feelings, *vocab.pseudo, *vocab.needs] for w in phrase.split()}
    missing = sorted(w for w in words if w not in known)
    assert len(missing) <= 3, missing
