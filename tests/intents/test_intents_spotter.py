"""The last-resort word spotter: guesses in-domain sentences no template matched, rejects the rest."""

from __future__ import annotations

import pytest

from intents.spotter import GUESS_CONFIDENCE, Spotter, english_unigrams

# A tiny world: three intents, a general-English table where "the"/"a"/"me" are common.
# ("listfeeling" stands for any feeling, see intents.samples.list_token.)
SAMPLES = [
    ("Faster", "speak faster"), ("Faster", "talk faster please"), ("Faster", "speed up"),
    ("Faster", "a bit faster"),
    # slot values are written as their list's token, as template_samples(list_tokens=True) does
    ("Feeling", "i feel listfeeling"), ("Feeling", "i'm feeling listfeeling"), ("Feeling", "i feel so listfeeling"),
    ("StartDebrief", "start the debrief"), ("StartDebrief", "let's do our debrief"),
    ("StartDebrief", "time for the nightly debrief"),
]
ENGLISH = {"the": -3.2, "a": -3.8, "i": -4.0, "me": -5.5, "up": -6.0, "please": -8.0, "let's": -8.5,
           "our": -6.5, "for": -4.5, "time": -6.5, "feel": -8.0, "speak": -8.5, "talk": -8.0,
           "start": -7.5, "do": -5.5, "bit": -8.0, "i'm": -6.5, "feeling": -8.5, "speed": -9.0,
           "nightly": -13.0, "debrief": -15.0, "faster": -10.0, "lonely": -11.0, "hurt": -9.0,
           "kitchen": -9.0, "lights": -9.0, "on": -4.0, "turn": -7.5}
VALUES = {"feeling": {("lonely",): "lonely", ("hurt",): "hurt"}}


@pytest.fixture(scope="module")
def spotter() -> Spotter:
    return Spotter(SAMPLES, ENGLISH, VALUES)


def test_an_unseen_wording_with_telling_words_is_guessed_with_low_confidence(spotter):
    guess = spotter.guess("speak up a bit faster")
    assert guess is not None and guess.intent == "Faster" and guess.slots == {}
    assert 0.0 < guess.confidence <= GUESS_CONFIDENCE


def test_out_of_domain_words_are_rejected(spotter):
    assert spotter.guess("turn on the kitchen lights") is None


def test_common_words_alone_are_not_evidence(spotter):
    assert spotter.guess("the a me") is None


def test_an_intent_that_needs_a_value_is_only_guessed_with_exactly_one_value(spotter):
    guess = spotter.guess("honestly i feel hurt")
    assert guess is not None and (guess.intent, dict(guess.slots)) == ("Feeling", {"feeling": "hurt"})
    assert spotter.guess("i feel feeling") is None  # Feeling, but no feeling named
    assert spotter.guess("feeling hurt") is None  # about nobody: "good morning" names no one's feeling
    assert spotter.guess("i feel hurt and lonely") is None  # two values: not a guess to make


def test_spotting_values_prefers_the_longest_and_does_not_overlap():
    spotter = Spotter(SAMPLES, ENGLISH, {"feeling": {("let", "down"): "disappointed", ("down",): "sad"}})
    assert spotter.spot("i feel let down".split(), "feeling") == {"disappointed"}
    assert spotter.spot("down and let down".split(), "feeling") == {"sad", "disappointed"}


def test_the_english_table_ships_with_the_package():
    table = english_unigrams("en")
    assert len(table) > 5000
    assert table["the"] > table["debrief"]  # common words are more probable than attune's own


def test_the_matcher_marks_guesses_and_can_turn_them_off(matcher):
    # no template says "hurry up a little"; its words say Faster
    text = "hurry up a little"
    result = matcher.match(text)
    assert (result.intent, result.method) == ("Faster", "spotted")
    assert result.confidence <= GUESS_CONFIDENCE
    matcher.spotting = False
    matcher.clear_cache()
    try:
        assert matcher.match(text).intent is None
    finally:
        matcher.spotting = True
        matcher.clear_cache()


def test_long_sentences_are_never_guessed(spotter):
    assert spotter.guess("speak faster") is not None
    assert spotter.guess("speak faster " + "please " * 16) is None


def test_a_negated_value_is_never_guessed(spotter):
    assert spotter.guess("i feel hurt") is not None
    assert spotter.guess("i don't feel hurt") is None
    assert spotter.guess("i never feel lonely") is None
