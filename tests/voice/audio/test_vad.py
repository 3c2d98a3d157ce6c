"""Silero VAD as the endpointer's speech detector (voice/vad.py), on synthesized speech and noise."""

from __future__ import annotations

import numpy as np
import pytest

from voice.audio.sources import RATE
from voice.audio.endpoint import Endpointer, speech_seconds
from voice.audio.vad import SileroEndpointer, make_endpointer

CHUNK = RATE * 30 // 1000 * 2


def events(endpointer, pcm: bytes) -> list[tuple[str, float]]:
    out = []
    for i in range(0, len(pcm), CHUNK):
        seg = endpointer.feed(pcm[i:i + CHUNK])
        t = round((i + CHUNK) / 2 / RATE, 2)
        if seg.started:
            out.append(("start", t))
        if seg.ended:
            out.append(("end", t))
    return out


def clatter(seconds: float, seed: int, level: float = 3000.0) -> np.ndarray:
    """Kitchen-like noise: a steady hum with loud short knocks (the kind that fools a level threshold)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, level / 20, int(seconds * RATE))
    for start in rng.integers(RATE, len(x) - 2400, 5):
        x[start:start + 2400] += rng.normal(0, level, 2400) * np.exp(-np.arange(2400) / 600)
    return x


def pcm_of(x: np.ndarray) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def test_finds_one_utterance_where_the_speech_is(synth):
    speech = np.frombuffer(synth.pcm("give me a repair phrase"), dtype="<i2").astype(np.float64)
    lead = np.random.default_rng(1).normal(0, 60, 2 * RATE)
    tail = np.random.default_rng(2).normal(0, 60, 2 * RATE)
    found = events(SileroEndpointer(), pcm_of(np.concatenate([lead, speech, tail])))
    frames = speech[:len(speech) // 160 * 160].reshape(-1, 160)
    loud = np.nonzero(np.sqrt(np.mean(frames ** 2, axis=1)) > 300)[0]  # 10 ms frames well above the noise
    start, end = 2 + loud[0] / 100, 2 + (loud[-1] + 1) / 100
    assert [e for e, _t in found] == ["start", "end"], found
    assert start - 0.1 <= found[0][1] <= start + 0.3
    assert end + 0.3 <= found[1][1] <= end + 0.9  # its 450 ms of quiet after the last syllable


def test_knocks_and_hum_are_no_speech():
    found = events(SileroEndpointer(), pcm_of(clatter(8.0, 3)))
    assert found == []


def test_speech_in_loud_noise_is_still_found(synth):
    speech = np.frombuffer(synth.pcm("how much time is left"), dtype="<i2").astype(np.float64)
    noise = np.random.default_rng(4).normal(0, 1, 2 * RATE + len(speech) + 2 * RATE)
    x = noise * np.sqrt(np.mean(speech[np.abs(speech) > 300] ** 2)) / 10 ** (6 / 20)  # 6 dB
    x[2 * RATE:2 * RATE + len(speech)] += speech
    found = events(SileroEndpointer(), pcm_of(x))
    assert [e for e, _t in found][:2] == ["start", "end"] and 1.9 <= found[0][1] <= 2.9, found


def test_the_setting_chooses_the_endpointer():
    assert type(make_endpointer("energy")) is Endpointer
    assert isinstance(make_endpointer("silero"), SileroEndpointer)
    assert type(make_endpointer(None)) in (Endpointer, SileroEndpointer)
    with pytest.raises(ValueError):
        make_endpointer("webrtc")


def test_the_setting_is_validated():
    from attune.settings import Settings, with_overrides

    assert with_overrides(Settings(), endpointer="Silero").endpointer == "silero"
    with pytest.raises(ValueError):
        with_overrides(Settings(), endpointer="webrtc")


def test_speech_seconds_still_reads_the_noise_floor(synth):
    ep = SileroEndpointer()
    pcm = synth.pcm("give me a repair phrase")
    events(ep, pcm)
    assert 0.5 < speech_seconds(pcm, ep) < len(pcm) / 2 / RATE


@pytest.mark.parametrize("kind", ["energy", "silero"])
def test_a_pause_shorter_than_the_trailing_quiet_does_not_split_an_utterance(kind, synth):
    from tests.voice.test_hearing import pause, speech_only

    endpointer = make_endpointer(kind)  # with the loop's trailing quiet for that endpointer
    # the words' own gap is part of the pause: the Silero endpointer also hears a little speech past them
    gap = pause(endpointer.config.end_ms / 1000 - 0.15)
    words = speech_only(synth.pcm("i would like a latte")) + gap + speech_only(synth.pcm("with oat milk"))
    lead = pause(1.0, seed=3)
    got = events(endpointer, lead + words + pause(1.0, seed=4))
    assert [e for e, _t in got] == ["start", "end"], got
