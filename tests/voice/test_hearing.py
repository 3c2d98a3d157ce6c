"""The audio side of the loop: endpointing + recognizer -> Heard items, muting and barge-in."""

from __future__ import annotations

import pytest

from tests.voice.conftest import add_noise
from voice.audio.sources import chunked
from voice.hearing import hear_audio


class FakeSpeaker:
    def __init__(self, speaking: bool):
        self.speaking = speaking
        self.stopped = 0

    def stop(self) -> None:
        self.stopped += 1
        self.speaking = False


def stream(*pcms: bytes) -> list[bytes]:
    gap = add_noise(bytes(32000), pad_s=0.0, seed=9)
    lead = add_noise(bytes(16000), pad_s=0.0, seed=8)
    return list(chunked(lead + b"".join(p + gap for p in pcms)))


@pytest.fixture
def fresh_recognizer():
    """A recognizer whose running cepstral mean has heard nothing yet: the session's shared one
    carries whatever the tests before it decoded, so its first words depend on their order."""
    from voice.asr.pocketsphinx import PocketsphinxRecognizer

    return PocketsphinxRecognizer()


def test_each_utterance_becomes_one_heard_item_with_the_step_grammar(synth, fresh_recognizer, matcher):
    asked = []

    def expects():
        asked.append(1)
        return {"intents": ["Feeling"], "free_text": False}

    partials = []
    heard = list(hear_audio(stream(synth.pcm("i feel sad"), synth.pcm("give me a repair phrase")), fresh_recognizer,
                            matcher=matcher, expects=expects, on_partial=partials.append, notice=lambda m: None))
    assert [h.text for h in heard][:1] == ["i feel sad"]
    assert len(asked) == 2 and partials  # the step is asked at the start of each utterance


def test_free_text_steps_use_dictation(synth, ps_recognizer, matcher):
    heard = list(hear_audio(stream(synth.pcm("thank you for making dinner tonight")), ps_recognizer,
                            matcher=matcher, expects=lambda: {"intents": [], "free_text": True},
                            notice=lambda m: None))
    assert len(heard) == 1 and len(heard[0].text.split()) >= 3


def test_while_speaking_only_stop_is_heard_and_it_cuts_speech(synth, ps_recognizer, matcher):
    speaker = FakeSpeaker(speaking=True)
    heard = list(hear_audio(stream(synth.pcm("i feel sad")), ps_recognizer, matcher=matcher,
                            expects=lambda: {"intents": ["Feeling"]}, speaker=speaker, notice=lambda m: None))
    assert heard == [] and speaker.stopped == 0  # attune never hears itself (or anyone) while talking

    speaker = FakeSpeaker(speaking=True)
    heard = list(hear_audio(stream(synth.pcm("stop talking")), ps_recognizer, matcher=matcher,
                            expects=lambda: {"intents": ["Feeling"]}, speaker=speaker, notice=lambda m: None))
    assert heard == [] and speaker.stopped == 1  # barge-in: speech cut short, nothing posted


def test_rejected_speech_is_reported_not_guessed(synth, ps_recognizer, matcher):
    notices = []
    heard = list(hear_audio(stream(synth.pcm("turn on the kitchen lights")), ps_recognizer, matcher=matcher,
                            expects=lambda: {"intents": ["Yes", "No", "Partly"]}, notice=notices.append))
    assert heard == [] or all(matcher.match(h.text, expect=["Yes", "No", "Partly"]).intent is None for h in heard)
