"""Speech out: Speaker implementations for the loop (`say(utterance)`, `control(intent)`).

- `Pyttsx3Speaker`: pyttsx3 renders each sentence to a WAV (its `say()` needs a sound card
  via aplay); sounddevice plays it on the output device. The next sentence renders while the
  current one plays. `stop()` cuts speech short (barge-in); `speaking` tells the microphone
  to ignore what it hears.
- `FileSpeaker`: the same rendering, appended to a WAV file (tests and demos without sound).
- `PrintSpeaker` (from `voice.loop`): the fallback when there is no output device.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import tempfile
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from voice.audio.devices import import_sounddevice, resolve_device

from voice.audio.sources import read_wav, resample
from voice.loop import PrintSpeaker

log = logging.getLogger("attune.tts")

RATE_STEP = 25
"""Words per minute added or removed by Faster / Slower."""
VOLUME_STEP = 0.15
"""Volume added or removed by Louder / Softer (0..1)."""


def sentences(text: str) -> list[str]:
    """Split text into sentences (pyttsx3 drops long first renders; one sentence at a time is safe)."""
    parts = re.split(r"(?<=[.!?;:])\s+", " ".join(text.split()))
    return [p for p in parts if p.strip()]


def _driver_print(*args: Any, **_kwargs: Any) -> None:
    """`print` inside pyttsx3's espeak driver: its "Audio saved to ..." after every file is dropped,
    anything else goes to the log (stdout is the loop's, and `--json` consumers read it)."""
    text = " ".join(map(str, args))
    if not text.startswith("Audio saved to"):
        log.warning("pyttsx3: %s", text)


def _quiet_driver() -> None:
    # Only that module's print: swapping sys.stdout around runAndWait, as this once did, is
    # process-wide, and lines the loop printed from another thread meanwhile were lost.
    driver = sys.modules.get("pyttsx3.drivers.espeak")
    if driver is not None:
        driver.print = _driver_print


class Renderer:
    """pyttsx3 text -> (float32 samples, rate). One engine, used from one thread at a time."""

    def __init__(self, voice: str | None = None, rate: int = 165):
        import pyttsx3  # optional and heavy: the speech engine, loaded to speak

        self._engine = pyttsx3.init()
        _quiet_driver()
        self._lock = threading.Lock()
        self.voice = voice
        self.rate = rate
        # Prompts can repeat what a partner said: their audio is removed after reading, and the folder
        # when the renderer goes (or the process ends).
        self._tmp = tempfile.TemporaryDirectory(prefix="attune-tts-")
        self._dir = self._tmp.name
        self._n = 0

    def render(self, text: str) -> tuple[np.ndarray, int]:
        with self._lock:
            self._n += 1
            path = os.path.join(self._dir, f"s{self._n}.wav")
            if self.voice:
                self._engine.setProperty("voice", self.voice)
            self._engine.setProperty("rate", int(self.rate))
            self._engine.setProperty("volume", 1.0)  # volume is applied at playback, live
            self._engine.save_to_file(text, path)
            try:
                self._engine.runAndWait()
                if not os.path.exists(path) or os.path.getsize(path) <= 44:
                    raise RuntimeError("pyttsx3 wrote no audio")
                data, rate = read_wav(path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        x = data.astype(np.float32) / 32768.0
        if x.ndim == 2:
            x = x.mean(axis=1)
        return x, rate

    def close(self) -> None:
        """Remove the renderer's scratch folder."""
        self._tmp.cleanup()


class _BaseSpeaker:
    """Voice settings, live controls, and sentence-by-sentence rendering."""

    def __init__(self, voice: str | None = None, rate: int = 165, volume: float = 0.9,
                 renderer: Renderer | None = None):
        self.renderer = renderer or Renderer(voice, rate)
        self.volume = volume
        self._stop = threading.Event()
        self._speaking = threading.Event()
        self._renders = ThreadPoolExecutor(max_workers=1, thread_name_prefix="attune-tts")
        self.first_audio_at: float | None = None
        """time.monotonic() when the latest utterance's first audio went out."""

    @property
    def rate(self) -> int:
        return self.renderer.rate

    @property
    def speaking(self) -> bool:
        return self._speaking.is_set()

    def control(self, intent: str) -> None:
        """Louder / Softer / Slower / Faster: change the voice from the next block on."""
        if intent == "Louder":
            self.volume = min(1.0, self.volume + VOLUME_STEP)
        elif intent == "Softer":
            self.volume = max(0.1, self.volume - VOLUME_STEP)
        elif intent == "Faster":
            self.renderer.rate = min(400, self.renderer.rate + RATE_STEP)
        elif intent == "Slower":
            self.renderer.rate = max(60, self.renderer.rate - RATE_STEP)
        elif intent == "Stop":
            self.stop()

    def stop(self) -> None:
        """Barge-in: cut the current speech short."""
        self._stop.set()

    def _rendered(self, text: str) -> Iterator[tuple[np.ndarray, int]]:
        """Render sentences one ahead of playback, so the first audio goes out after one render.

        All rendering happens on one worker thread: pyttsx3's engine belongs to the thread that drives it.
        """
        parts = sentences(text)
        if not parts:
            return
        pending = self._renders.submit(self._render_safely, parts[0])
        for i in range(len(parts)):
            item = pending.result()
            if i + 1 < len(parts):
                pending = self._renders.submit(self._render_safely, parts[i + 1])
            if isinstance(item, Exception):
                log.warning("could not render a sentence: %s", item)
                continue
            yield item
            if self._stop.is_set():
                return

    def _render_safely(self, sentence: str):
        for attempt in range(2):  # pyttsx3 occasionally writes no file; once more is enough
            try:
                return self.renderer.render(sentence)
            except Exception as exc:  # a bad sentence is skipped, never fatal
                error = exc
        return error

    def say(self, utterance: Mapping[str, Any] | str) -> None:
        text = utterance if isinstance(utterance, str) else str(utterance.get("text") or "")
        self._stop.clear()
        self._speaking.set()
        self.first_audio_at = None
        try:
            for samples, rate in self._rendered(text):
                if self._stop.is_set():
                    break
                self._play(samples, rate)
        finally:
            self._speaking.clear()

    def _play(self, samples: np.ndarray, rate: int) -> None:
        raise NotImplementedError


class Pyttsx3Speaker(_BaseSpeaker):
    """Plays rendered speech through sounddevice, in 50 ms blocks so Stop is quick."""

    def __init__(self, voice: str | None = None, rate: int = 165, volume: float = 0.9,
                 device: str | int | None = None, sd=None, renderer: Renderer | None = None):
        super().__init__(voice, rate, volume, renderer)
        self.sd = sd or import_sounddevice()
        self.device = resolve_device(device, "output", self.sd)  # LookupError: no output device
        info = self.sd.query_devices(self.device, "output")
        self.out_rate = int(info["default_samplerate"]) or 22050

    def _play(self, samples: np.ndarray, rate: int) -> None:
        x = resample(samples.astype(np.float64), rate, self.out_rate).astype(np.float32)
        block = self.out_rate // 20
        with self.sd.OutputStream(device=self.device, samplerate=self.out_rate, channels=1,
                                  dtype="float32") as stream:
            for i in range(0, len(x), block):
                if self._stop.is_set():
                    break
                stream.write((x[i:i + block] * self.volume).reshape(-1, 1))
                if self.first_audio_at is None:
                    self.first_audio_at = time.monotonic()


class FileSpeaker(_BaseSpeaker):
    """Appends what it says to a 16-bit mono WAV file (and keeps the texts in `spoken`)."""

    def __init__(self, path: str | Path, voice: str | None = None, rate: int = 165, volume: float = 0.9,
                 renderer: Renderer | None = None, out_rate: int = 22050):
        super().__init__(voice, rate, volume, renderer)
        self.path = Path(path)
        self.out_rate = out_rate
        self.spoken: list[str] = []
        self._frames: list[bytes] = []

    def say(self, utterance: Mapping[str, Any] | str) -> None:
        self.spoken.append(utterance if isinstance(utterance, str) else str(utterance.get("text") or ""))
        super().say(utterance)

    def _play(self, samples: np.ndarray, rate: int) -> None:
        x = resample(samples.astype(np.float64), rate, self.out_rate) * self.volume
        self._frames.append((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
        if self.first_audio_at is None:
            self.first_audio_at = time.monotonic()
        with wave.open(str(self.path), "wb") as wf:
            wf.setnchannels(1)
            wf.setsampwidth(2)
            wf.setframerate(self.out_rate)
            wf.writeframes(b"".join(self._frames))


def make_speaker(settings, *, want_audio: bool = True, notice: Callable[[str], None] = print, as_json=False):
    """Pyttsx3Speaker on the configured output device, or a PrintSpeaker saying why not."""
    if not want_audio:
        return PrintSpeaker(as_json=as_json)
    try:
        return Pyttsx3Speaker(settings.voice, settings.voice_rate, settings.voice_volume, settings.output_device)
    except LookupError as exc:
        notice(f"no audio output ({exc}): prompts will be printed")
    except Exception as exc:  # pyttsx3/espeak missing or broken
        notice(f"speech output unavailable ({exc}): prompts will be printed")
    return PrintSpeaker(as_json=as_json)
