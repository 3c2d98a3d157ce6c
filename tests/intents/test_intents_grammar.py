"""Recognizer grammars come from the same templates: every phrase matches; pocketsphinx loads the JSGF."""

from __future__ import annotations

import re

import pytest

from intents import BUILTIN_INTENTS, STARTER_INTENTS
from intents.grammar import UNK, dictionary_words, jsgf, selected_intents, vosk_phrases, vosk_words

STEPS = (None, ["Feeling"], ["Need"], ["Yes", "No", "Partly"], ["IdentifyPartner"], list(STARTER_INTENTS),
         ["RepairPhrase", "AnotherOne", "SaveFavorite", "ReadFavorites"])


@pytest.mark.parametrize("expect", [None, ["Yes", "No", "Partly"]], ids=["all", "yes-no"])
def test_every_vosk_phrase_matches_a_selected_intent(matcher, expect):
    phrases = vosk_phrases(matcher, expect)
    assert phrases[-1] == UNK and UNK not in phrases[:-1]
    allowed = selected_intents(matcher, expect)
    wrong = []
    for phrase in phrases[:-1]:
        result = matcher.match(phrase, expect=allowed)  # bare values ("lonely") count in their step
        if result.intent not in allowed or result.confidence != 1.0:
            wrong.append((phrase, result.intent))
    assert not wrong, wrong[:10]


def test_step_phrases_are_a_subset_and_keep_builtins(matcher):
    everything = set(vosk_phrases(matcher))
    feeling = set(vosk_phrases(matcher, ["Feeling"]))
    assert feeling < everything
    assert {"pause", "stop", "next", "how much time is left"} <= feeling
    assert "lonely" in feeling and "start the debrief" not in feeling


def test_vosk_words(matcher):
    words = vosk_words(matcher, ["Yes", "No"])
    assert words[-1] == UNK and {"yes", "no", "pause"} <= set(words)
    assert all(w == w.lower() and " " not in w for w in words[:-1])


def _jsgf_words(grammar: str) -> set[str]:
    body = "\n".join(line.split("=", 1)[1] for line in grammar.splitlines() if "=" in line)
    body = re.sub(r"<[^>]+>", " ", body)
    return set(re.sub(r"[()\[\]|;]", " ", body).split())


@pytest.mark.parametrize("expect", STEPS, ids=lambda e: ",".join(e or ["all"]))
def test_jsgf_words_are_lowercase_in_the_dictionary(matcher, expect):
    grammar = jsgf(matcher, expect)
    assert grammar.startswith("#JSGF V1.0;\ngrammar attune;\npublic <attune> = ")
    words = _jsgf_words(grammar)
    assert words and all(re.fullmatch(r"[a-z][a-z']*", w) for w in words), sorted(words)[:20]
    missing = words - dictionary_words()
    assert not missing, sorted(missing)
    for name in selected_intents(matcher, expect):
        assert f"<i_{name}>" in grammar
    assert len(grammar) < 100_000  # alternatives and optionals, not expanded sentences (those run to millions)


def test_template_vocabulary_is_mostly_in_the_dictionary(matcher):
    """Out-of-dictionary words are rare and either respelled or left out of the JSGF."""
    missing = sorted(w for w in matcher.vocabulary if w not in dictionary_words())
    assert len(missing) <= 20, missing


def test_jsgf_loads_in_pocketsphinx(matcher):
    pocketsphinx = pytest.importorskip("pocketsphinx")
    decoder = pocketsphinx.Decoder(lm=None, loglevel="FATAL")
    for i, expect in enumerate((None, ["Feeling"], ["Yes", "No", "Partly"], list(STARTER_INTENTS))):
        name = f"step{i}"
        decoder.add_jsgf_string(name, jsgf(matcher, expect))
        decoder.activate_search(name)
        assert decoder.current_search() == name


def test_jsgf_for_a_step_keeps_builtins(matcher):
    grammar = jsgf(matcher, ["Yes", "No", "Partly"])
    for name in BUILTIN_INTENTS + ("Yes", "No", "Partly"):
        assert f"<i_{name}>" in grammar
    assert "<i_Feeling>" not in grammar
