"""Noise suppression before Whisper (voice/audio/denoise.py): the real DeepFilterNet3 on speech synthesized
at test time with kitchen noise mixed in, the "none" twin, the model's checksum and the setting."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from attune.settings import DENOISERS, Settings, with_overrides
from voice.audio import denoise
from voice.audio.denoise import DeepFilterNet, DenoiserError, NoDenoiser, downsample, make_denoiser, upsample
from voice.audio.sources import RATE, read_wav_16k

KITCHEN = Path(__file__).resolve().parents[3].parent / "shared" / "benchmarks" / "speech-to-intent" / "noise" / "kitchen.wav"
"""The benchmark's recorded kitchen noise, beside the repository (a synthetic stand-in when absent)."""


def samples(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype="<i2").astype(np.float64)


def pcm_of(x: np.ndarray) -> bytes:
    return np.clip(np.round(x), -32768, 32767).astype("<i2").tobytes()


def kitchen(n: int, seed: int) -> np.ndarray:
    """n samples of the benchmark's recorded kitchen noise when it is beside the repository, else
    a synthetic stand-in: brown-ish hum with clatter."""
    rng = np.random.default_rng(seed)
    if KITCHEN.exists():
        noise = samples(read_wav_16k(KITCHEN))
        start = int(rng.integers(0, len(noise) - n))
        return noise[start:start + n]
    x = np.cumsum(rng.normal(0, 1, n))
    x = (x - np.convolve(x, np.ones(400) / 400, mode="same")) * 300
    for start in rng.integers(0, n - 800, 6):
        x[start:start + 800] += rng.normal(0, 6000, 800)
    return x


def with_kitchen(pcm: bytes, snr_db: float, seed: int = 0, lead_s: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(clean, noisy): the speech after `lead_s` of quiet, and the same with kitchen noise at `snr_db`
    (power over the whole clip)."""
    speech = np.concatenate([np.zeros(int(lead_s * RATE)), samples(pcm)])
    noise = kitchen(len(speech), seed)
    noise *= np.sqrt(np.mean(speech ** 2) / (np.mean(noise ** 2) * 10 ** (snr_db / 10)))
    return speech, speech + noise


def snr(reference: np.ndarray, x: np.ndarray) -> float:
    """dB of the reference against what x differs from it by, after the best gain (no credit for loudness)."""
    gain = np.dot(x, reference) / np.dot(x, x)
    return 10 * np.log10(np.sum(reference ** 2) / np.sum((reference - gain * x) ** 2))


@pytest.fixture(scope="module")
def dfn():
    return DeepFilterNet()


def test_resampling_keeps_a_tone_and_its_timing():
    t = np.arange(RATE) / RATE
    tone = 8000 * np.sin(2 * np.pi * 440 * t)
    back = downsample(upsample(tone))
    assert len(back) == len(tone)
    inner = slice(200, -200)  # the filter's edges
    assert np.max(np.abs(back[inner] - tone[inner])) < 0.01 * 8000


def test_deepfilternet_takes_the_kitchen_out_of_speech(synth, dfn):
    clean, noisy = with_kitchen(synth.pcm("start our nightly debrief", "en-us"), snr_db=6.0, seed=1)
    out = samples(dfn(pcm_of(noisy)))
    assert len(out) == len(noisy)
    lead = slice(int(0.3 * RATE), int(0.9 * RATE))  # noise only, once the model's state has settled
    assert 10 * np.log10(np.mean(noisy[lead] ** 2) / max(np.mean(out[lead] ** 2), 1e-9)) > 10
    assert snr(clean, out) > snr(clean, noisy) + 3.0, (snr(clean, noisy), snr(clean, out))


def test_deepfilternet_leaves_clean_speech_nearly_as_it_was(synth, dfn):
    speech = samples(synth.pcm("how much time is left", "en-gb"))
    out = samples(dfn(pcm_of(speech)))
    assert snr(speech, out) > 5.0


def test_the_stream_gives_what_the_whole_utterance_gives(synth):
    """The loop cleans a command as it comes; the benches clean whole utterances: the same samples,
    utterance after utterance (the model's state runs on)."""
    whole, streamed = DeepFilterNet(), DeepFilterNet()
    for seed, text in enumerate(("start our nightly debrief", "how much time is left")):
        _clean, noisy = with_kitchen(synth.pcm(text, "en-us"), snr_db=12.0, seed=seed)
        pcm = pcm_of(noisy)
        stream = streamed.stream()
        parts = [stream.feed(pcm[i:i + 3200]) for i in range(0, len(pcm), 3200)]
        assert sum(len(p) for p in parts) < len(pcm)  # the model's delay is still inside
        assert b"".join(parts + [stream.end()]) == whole(pcm)


def test_the_none_twin_passes_audio_through():
    pcm = pcm_of(np.random.default_rng(2).normal(0, 2000, RATE))
    assert NoDenoiser()(pcm) == pcm
    stream = NoDenoiser().stream()
    assert stream.feed(pcm) == pcm and stream.end() == b""
    assert make_denoiser("none").describe() == "none"


def test_the_setting_chooses_the_denoiser(monkeypatch):
    assert isinstance(make_denoiser("deepfilternet"), DeepFilterNet)
    assert isinstance(make_denoiser("none"), NoDenoiser)
    assert make_denoiser(None).name == DENOISERS[0]
    with pytest.raises(ValueError):
        make_denoiser("rnnoise")
    assert with_overrides(Settings(), denoise="None").denoise == "none"
    with pytest.raises(ValueError):
        with_overrides(Settings(), denoise="rnnoise")


def test_a_model_that_is_not_the_pinned_one_is_refused(monkeypatch):
    monkeypatch.setattr(denoise, "DFN_MODEL_SHA256", "0" * 64)
    with pytest.raises(DenoiserError, match="not the pinned one"):
        DeepFilterNet()
    heard = []
    assert isinstance(make_denoiser("deepfilternet", heard.append), NoDenoiser)
    assert heard and "left out" in heard[0]


@pytest.mark.audio
@pytest.mark.parametrize("text, expect, want", [
    ("start our nightly debrief", None, "StartDebrief"),
    ("give me a repair phrase", None, "RepairPhrase"),
    ("how much time is left", ["Feeling"], "TimeLeft"),
])
def test_commands_in_kitchen_noise_are_recognized_through_the_denoiser(synth, matcher, dfn, text, expect, want):
    """Whisper's second pass on DeepFilterNet's audio, and on the audio as it came ("none"), in kitchen noise."""
    from voice.asr.engines import whisper_engine
    from voice.asr.grammar import command_grammar
    from voice.asr.pocketsphinx import PocketsphinxRecognizer
    from voice.asr.second_pass import TwoPassRecognizer

    _clean, noisy = with_kitchen(synth.pcm(text, "en-us"), snr_db=12.0, seed=3, lead_s=0.5)
    grammar = command_grammar(matcher, expect, "pocketsphinx")
    for denoiser in (dfn, NoDenoiser()):
        recognizer = TwoPassRecognizer(PocketsphinxRecognizer(), whisper_engine(), denoiser=denoiser)
        result = recognizer.decode(pcm_of(noisy), grammar)
        assert result.accepted, (denoiser.name, result, recognizer.last)
        assert matcher.match(result.text, expect=expect).intent == want, (denoiser.name, result.text)
    assert "DeepFilterNet3" in TwoPassRecognizer(PocketsphinxRecognizer(), whisper_engine(), denoiser=dfn).describe()
