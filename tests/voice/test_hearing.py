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


def speech_only(pcm: bytes) -> bytes:
    """The synthesized words without their padding: 10 ms frames within 30 dB of the loudest."""
    import numpy as np

    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    n = len(x) // 160
    level = 10 * np.log10(np.mean(x[:n * 160].reshape(n, 160) ** 2, axis=1) + 1e-9)
    loud = np.nonzero(level >= level.max() - 30)[0]
    return pcm[int(loud[0]) * 320:(int(loud[-1]) + 1) * 320]


def pause(seconds: float, seed: int = 5) -> bytes:
    return add_noise(bytes(2 * int(seconds * 16000)), pad_s=0.0, seed=seed)


class Watched:
    """A recognizer that records what each finish() had been fed, and from which thread it ran."""

    def __init__(self, inner):
        import threading

        self.inner = inner
        self.engine = inner.engine
        self.fed = 0
        self.finishes: list[tuple[int, str]] = []
        self._threading = threading

    def start(self, grammar=None, partials=True):
        self.fed = 0
        self.inner.start(grammar, partials=partials)

    def feed(self, pcm):
        self.fed += len(pcm)
        return self.inner.feed(pcm)

    def finish(self):
        self.finishes.append((self.fed, self._threading.current_thread().name))
        return self.inner.finish()

    def rewind(self):
        self.inner.rewind()


def test_speech_resuming_in_the_quiet_discards_the_speculative_finish(synth, fresh_recognizer, matcher):
    from voice.audio.endpoint import EndpointConfig
    from voice.hearing import SPECULATE_MS

    gap_s = (SPECULATE_MS + EndpointConfig().end_ms) / 2000  # long enough to speculate, too short to end
    first = speech_only(synth.pcm("i feel")) + pause(gap_s)
    words = first + speech_only(synth.pcm("sad"))
    preroll = EndpointConfig().preroll_ms * 32
    watched = Watched(fresh_recognizer)
    heard = list(hear_audio(stream(words), watched, matcher=matcher, expects=lambda: {"intents": ["Feeling"]},
                            notice=lambda m: None))
    assert len(watched.finishes) == 2, watched.finishes  # one speculation in the pause, thrown away
    (before, _), (whole, _) = watched.finishes
    assert before < preroll + len(first) <= len(words) < whole  # the kept finish heard both parts
    assert [h.text for h in heard] == ["i feel sad"]


def test_the_speculative_finish_is_the_result_when_the_quiet_lasts(synth, ps_recognizer, matcher):
    pcm = stream(synth.pcm("give me a repair phrase"))
    watched = Watched(ps_recognizer)
    fast = [h.text for h in hear_audio(pcm, watched, matcher=matcher, expects=lambda: None, notice=lambda m: None)]
    assert [name for _fed, name in watched.finishes] == ["attune-speculative-finish"]
    plain = [h.text for h in hear_audio(pcm, ps_recognizer, matcher=matcher, expects=lambda: None,
                                        notice=lambda m: None, speculate_ms=0)]
    assert fast == plain and len(fast) == 1  # the same words as finishing after the end


def test_audio_ending_mid_speculation_leaves_no_finish_running(synth, ps_recognizer, matcher):
    import threading

    from voice.audio.sources import chunked

    # the microphone stops 200 ms into the quiet: speculating, the utterance never ends
    pcm = pause(1.0, seed=2) + speech_only(synth.pcm("give me a repair phrase")) + pause(0.2, seed=6)
    watched = Watched(ps_recognizer)
    heard = list(hear_audio(list(chunked(pcm)), watched, matcher=matcher, expects=lambda: None, notice=lambda m: None))
    assert heard == [] and [name for _fed, name in watched.finishes] == ["attune-speculative-finish"]
    assert not any(t.name == "attune-speculative-finish" and t.is_alive() for t in threading.enumerate())
