"""The second pass's rejection rule, with a stand-in Whisper whose scores the test sets: the margin is
counted per token of Whisper's own reading, so the same shortfall in nats rejects a short utterance and
passes a long one (a real model's scores are tested in test_whisper.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from voice.asr.base import Transcript
from voice.asr.grammar import command_grammar
from voice.asr.second_pass import TwoPassRecognizer
from voice.asr.whisper import Reading

COFFEE = Path(__file__).resolve().parents[3] / "bench" / "speech-to-intent" / "intents"


class Encoded:
    def __init__(self):
        self.scores, self.memo, self.frames = {}, {}, 100


class StandInWhisper:
    """Whisper as far as the second pass asks: its own reading, and a fixed score for any grammar sentence."""

    model = "stand-in"

    def __init__(self, reading: str, sentence_score: float):
        self.reading, self.sentence_score = reading, sentence_score

    def encode(self, pcm):
        return Encoded()

    def read(self, enc, prompt=None, n=5, max_length=96):
        return Reading(texts=(self.reading,), scores=(-0.1,), no_speech=0.05)

    def tokens(self, text):
        return text.split()  # one token a word

    def score(self, enc, texts):
        return [0.0 if t == self.reading else self.sentence_score for t in texts]


class Unheard:
    """A first pass that heard nothing (so Whisper's own sentences are the only candidates)."""

    model = "none"
    _command = None  # no lattice

    def start(self, grammar, partials=True):
        pass

    def feed(self, pcm):
        return None

    def finish(self):
        return Transcript(text="", confidence=0.0, accepted=False, engine="pocketsphinx", mode="command",
                          decode_seconds=0.0, audio_seconds=1.0, reason="nothing recognized")


@pytest.fixture(scope="module")
def grammar():
    from intents.intent_set import IntentSet

    return command_grammar(IntentSet.load(COFFEE))


def decide(grammar, reading: str, sentence_score: float, margin: float):
    recognizer = TwoPassRecognizer(Unheard(), StandInWhisper(reading, sentence_score), margin=margin,
                                   agreed_margin=margin)
    recognizer.start(grammar)
    recognizer.feed(b"\0\0" * 16000)
    return recognizer.finish(), recognizer.last


def test_the_same_shortfall_rejects_a_short_reading_and_passes_a_long_one(grammar):
    # 4 nats below a two-word reading: 2.0 a token, over the margin of 1.5
    short, last = decide(grammar, "Like latte.", -4.0, 1.5)
    assert not short.accepted and last["gap"] == pytest.approx(2.0)  # ("brew a latte": as near as any)
    # 4 nats below a seven-word reading (+4 for the word the sentence lacks): 8/7 a token, under it
    long, last = decide(grammar, "I'd like a latte with milk please.", -4.0, 1.5)
    assert long.accepted and long.text == "i'd like a latte with milk"
    assert last["gap"] == pytest.approx(8 / 7)


def test_a_grammar_sentence_as_likely_as_whispers_reading_is_taken(grammar):
    result, last = decide(grammar, "I'd like a latte.", 0.0, 0.1)
    assert result.accepted and result.text == "i'd like a latte" and last["gap"] == 0.0
