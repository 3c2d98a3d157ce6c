"""Audio conversion, WAV sources of any format, and energy endpointing."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from voice.audio.sources import RATE, WavFileSource, read_wav_16k, to_pcm16k
from voice.audio.endpoint import EndpointConfig, Endpointer


def tone(freq: float, rate: int, seconds: float, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    x = (0.5 * np.sin(2 * np.pi * freq * t) * 32767).astype(np.int16)
    return np.repeat(x[:, None], channels, axis=1) if channels > 1 else x


def peak_hz(pcm: bytes) -> float:
    x = np.frombuffer(pcm, dtype="<i2").astype(float)
    spectrum = np.abs(np.fft.rfft(x))
    return float(np.argmax(spectrum) * RATE / len(x))


@pytest.mark.parametrize("rate,channels", [(8000, 1), (16000, 1), (22050, 1), (44100, 2), (48000, 2)])
def test_any_rate_and_channel_count_becomes_16k_mono(rate, channels):
    pcm = to_pcm16k(tone(440, rate, 1.0, channels), rate)
    assert abs(len(pcm) / 2 - RATE) <= 2
    assert abs(peak_hz(pcm) - 440) < 3


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_wav_sample_widths(tmp_path, width):
    x = tone(300, 32000, 0.5, 2).astype(np.int64)
    if width == 1:
        raw = ((x >> 8) + 128).astype(np.uint8).tobytes()
    elif width == 2:
        raw = x.astype("<i2").tobytes()
    elif width == 3:
        y = (x << 8).astype("<i4").view(np.uint8).reshape(-1, 4)[:, :3]
        raw = y.tobytes()
    else:
        raw = (x << 16).astype("<i4").tobytes()
    path = tmp_path / f"w{width}.wav"
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(2)
        wf.setsampwidth(width)
        wf.setframerate(32000)
        wf.writeframes(raw)
    pcm = read_wav_16k(path)
    assert abs(len(pcm) / 2 - RATE / 2) <= 2
    assert abs(peak_hz(pcm) - 300) < 5
    chunks = list(WavFileSource(path, tail_s=0.3))
    assert b"".join(chunks).startswith(pcm[:1000])
    assert len(b"".join(chunks)) == len(pcm) + int(0.3 * RATE) * 2


def noise(seconds: float, level: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, level * 32768, int(seconds * RATE))


def test_endpointer_finds_one_utterance_in_noise():
    quiet = noise(1.0, 0.001)
    speech = tone(200, RATE, 0.8).astype(float) * 0.5 + noise(0.8, 0.001, 1)
    signal = np.concatenate([quiet, speech, noise(1.0, 0.001, 2)]).astype("<i2").tobytes()
    ep = Endpointer(EndpointConfig(end_ms=300))
    starts, ends, audio = [], [], b""
    for i in range(0, len(signal), 960):
        seg = ep.feed(signal[i:i + 960])
        audio += seg.audio
        if seg.started:
            starts.append(i / 2 / RATE)
        if seg.ended:
            ends.append(i / 2 / RATE)
    assert len(starts) == 1 and len(ends) == 1
    assert 0.7 < starts[0] < 1.1
    assert 1.8 < ends[0] < 2.3
    assert 0.8 <= len(audio) / 2 / RATE < 1.4  # speech plus pre-roll and hangover


def test_endpointer_ignores_steady_noise():
    signal = noise(3.0, 0.05).astype("<i2").tobytes()
    ep = Endpointer()
    assert not any(ep.feed(signal[i:i + 960]).started for i in range(0, len(signal), 960)[20:])


def test_endpointer_cuts_endless_speech():
    speech = np.concatenate([noise(0.5, 0.001), tone(200, RATE, 3.0) * 0.5]).astype("<i2").tobytes()
    ep = Endpointer(EndpointConfig(max_utterance_s=1.0))
    ended = [ep.feed(speech[i:i + 960]).ended for i in range(0, len(speech), 960)]
    assert any(ended)
