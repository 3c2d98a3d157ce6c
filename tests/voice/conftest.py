"""Voice test fixtures: speech synthesized with espeak-ng (cached per session), an ALSA file
sound card for sounddevice (no hardware needed), and a pyttsx3 renderer."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from voice.audio.alsa import write_alsa_file_device

from voice.audio.sources import RATE, read_wav_16k, write_wav

HAVE_ESPEAK = shutil.which("espeak-ng") is not None
needs_espeak = pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng is not installed")

VOICES = ("en-us", "en-gb", "en-us+f3")


def add_noise(pcm: bytes, level: float = 0.002, pad_s: float = 0.4, seed: int = 0) -> bytes:
    """Pad with silence and add faint white noise (pure digital silence decodes badly)."""
    x = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    pad = np.zeros(int(pad_s * RATE))
    x = np.concatenate([pad, x, pad])
    x += np.random.default_rng(seed).normal(0, level * 32768, len(x))
    return np.clip(x, -32768, 32767).astype("<i2").tobytes()


class Synth:
    """espeak-ng speech as 16 kHz PCM with faint noise, cached on disk for the session."""

    def __init__(self, folder: Path):
        self.folder = folder

    def pcm(self, text: str, voice: str = "en-us", speed: int = 165) -> bytes:
        name = f"{voice}-{speed}-{hashlib.sha1(text.encode()).hexdigest()[:10]}.wav"
        path = self.folder / name
        if not path.exists():
            raw = self.folder / f"raw-{name}"
            subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-w", str(raw), text], check=True)
            write_wav(path, add_noise(read_wav_16k(raw)))
        return read_wav_16k(path)

    def wav(self, text: str, voice: str = "en-us", speed: int = 165) -> Path:
        self.pcm(text, voice, speed)
        return self.folder / f"{voice}-{speed}-{hashlib.sha1(text.encode()).hexdigest()[:10]}.wav"


@pytest.fixture(scope="session")
def synth(tmp_path_factory) -> Synth:
    if not HAVE_ESPEAK:
        pytest.skip("espeak-ng is not installed")
    return Synth(tmp_path_factory.mktemp("speech"))


@pytest.fixture(scope="session")
def ps_recognizer():
    from voice.asr.pocketsphinx import PocketsphinxRecognizer

    return PocketsphinxRecognizer()


@pytest.fixture(scope="session")
def matcher():
    from intents import Matcher

    return Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"], "ritual": []})




class AlsaFiles:
    """A fake sound card: capture reads `mic_raw`, playback writes `speaker_raw` (16 kHz mono S16_LE)."""

    def __init__(self, home: Path, sd):
        self.home = home
        self.sd = sd
        self.mic_raw = home / "in.raw"
        self.speaker_raw = home / "out.raw"

    def load_mic(self, pcm: bytes, tail_s: float = 3.0) -> None:
        """What the microphone will hear (padded with faint noise: reading past the end gives junk)."""
        tail = add_noise(bytes(int(tail_s * RATE) * 2), pad_s=0.0, seed=1)
        self.mic_raw.write_bytes(pcm + tail)
        self.reinit()

    def played(self) -> bytes:
        return self.speaker_raw.read_bytes() if self.speaker_raw.exists() else b""

    def reinit(self) -> None:
        self.sd._terminate()
        self.sd._initialize()


@pytest.fixture
def alsa_files(tmp_path, monkeypatch):
    """sounddevice with an ALSA file device as default input and output."""
    home = write_alsa_file_device(tmp_path / "home")
    monkeypatch.setenv("HOME", str(home))
    import sounddevice as sd

    cards = AlsaFiles(home, sd)
    cards.reinit()
    if not sd.query_devices():
        pytest.skip("PortAudio sees no ALSA devices even with the file plugin")
    yield cards
    monkeypatch.setenv("HOME", os.environ.get("HOME", "/root"))
    monkeypatch.undo()
    sd._terminate()
    sd._initialize()
