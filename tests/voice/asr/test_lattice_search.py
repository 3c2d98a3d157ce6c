"""When pocketsphinx gives no grammar path, the lattice is searched only where that is cheap.

The decoders are stand-ins (no audio, no model): what is tested is the recognizer's decision of
when to walk the lattice and what it takes from it.
"""

from __future__ import annotations

import math

import pytest

from voice.asr.grammar import Grammar
from voice.asr.pocketsphinx import PocketsphinxRecognizer

COFFEE = ["a latte", "a latte with soy milk", "a latte with some brown sugar", "a mocha"]


class Hyp:
    def __init__(self, text: str, score: float = 1.0):
        self.hypstr = text
        self.score = score


class FakeDecoder:
    """Replays one decode: the best path (or None) and the lattice's paths, counting lattice walks."""

    def __init__(self, best: Hyp | None, paths: list[str] = (), score: float = 1.0):
        self.best = best
        self.paths = [Hyp(p, score) for p in paths]
        self.walked = 0

    def start_utt(self):
        pass

    def process_raw(self, pcm, no_search=False, full_utt=False):
        pass

    def end_utt(self):
        pass

    def hyp(self):
        return self.best

    def n_frames(self):
        return 300

    def get_cmn(self, update):
        return "40.0,0.0,0.0"  # the cepstral mean, never moving here

    def seg(self):
        return []

    def nbest(self):
        for h in self.paths:
            self.walked += 1
            yield h


@pytest.fixture(scope="module")
def real():
    return PocketsphinxRecognizer()


@pytest.fixture
def recognizer(real, monkeypatch):
    """The real recognizer with its decoders swapped for stand-ins replaying one decode."""
    def make(graph, command: FakeDecoder) -> PocketsphinxRecognizer:
        phone = FakeDecoder(Hyp("ah", math.exp(-0.01)))
        for name, value in {"_command": command, "_phone": phone, "_active": [command, phone],
                            "_buffer": [b"\0\0" * 1600], "_graph": graph, "_mode": "command",
                            "_spent": 0.0, "_bytes": 3200}.items():
            monkeypatch.setattr(real, name, value, raising=False)
        return real
    return make


def test_no_path_on_a_compact_grammar_takes_the_first_whole_sentence_of_the_lattice(recognizer):
    graph = Grammar.from_phrases(COFFEE).graph
    command = FakeDecoder(None, ["a latte with", "a latte with some brown", "a mocha"])
    out = recognizer(graph, command).finish()
    assert command.walked >= 2
    assert out.accepted and out.text == "a latte with some brown sugar"


def test_no_path_and_a_lattice_sentence_below_the_phone_loop_is_rejected(recognizer):
    """Out-of-domain speech fitted with grammar words scores below the phone loop (here e^-0.01)."""
    graph = Grammar.from_phrases(COFFEE).graph
    command = FakeDecoder(None, ["a mocha"], score=math.exp(-0.02))
    out = recognizer(graph, command).finish()
    assert command.walked == 1
    assert not out.accepted and out.text == "" and "phone loop" in out.reason


def test_no_path_and_no_whole_sentence_in_the_lattice_is_nothing_recognized(recognizer):
    graph = Grammar.from_phrases(COFFEE).graph
    command = FakeDecoder(None, ["a latte with", "a"])
    out = recognizer(graph, command).finish()
    assert not out.accepted and out.reason == "nothing recognized"


def test_no_path_on_a_large_grammar_leaves_the_lattice_alone(recognizer, monkeypatch):
    graph = Grammar.from_phrases(COFFEE).graph
    monkeypatch.setattr(PocketsphinxRecognizer, "NO_PATH_MAX_ARCS", len(graph[2]) - 1)
    command = FakeDecoder(None, ["a mocha"])
    out = recognizer(graph, command).finish()
    assert command.walked == 0
    assert not out.accepted and out.reason == "nothing recognized"


@pytest.mark.parametrize("max_arcs", [0, 10_000])
def test_a_partial_path_is_repaired_on_any_grammar(recognizer, monkeypatch, max_arcs):
    graph = Grammar.from_phrases(COFFEE).graph
    monkeypatch.setattr(PocketsphinxRecognizer, "NO_PATH_MAX_ARCS", max_arcs)
    command = FakeDecoder(Hyp("a latte with soy"), ["a latte with soy"])
    out = recognizer(graph, command).finish()
    assert out.accepted and out.text == "a latte with soy milk"


def test_attunes_own_grammars_are_above_the_bound(matcher):
    """Every step grammar of attune's is too big for the no-path search (it took seconds there)."""
    from voice.asr.grammar import command_grammar

    for expect in (None, ["Yes", "No", "Partly"]):
        assert len(command_grammar(matcher, expect).graph[2]) > PocketsphinxRecognizer.NO_PATH_MAX_ARCS
