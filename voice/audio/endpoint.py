"""Energy-based endpointing: where speech starts and ends, without a button. Pure numpy, no I/O.

The noise floor follows the quietest recent frames; a frame is "loud" when it is `start_db`
above the floor. Speech starts after `start_ms` of loud frames (the `preroll_ms` before it is
kept, so first syllables are not cut) and ends after `end_ms` of quiet frames, or at
`max_utterance_s`.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from voice.audio.sources import RATE


@dataclass(frozen=True)
class EndpointConfig:
    """Thresholds for `Endpointer`."""

    frame_ms: int = 10
    """Analysis frame length, in milliseconds."""
    start_db: float = 12.0
    """A frame is speech when this many dB above the noise floor."""
    min_speech_dbfs: float = -55.0
    """Frames quieter than this (dB full scale) are never speech."""
    start_ms: int = 60
    """Loud time needed to declare speech started, in milliseconds."""
    end_ms: int = 450
    """Quiet time that ends an utterance, in milliseconds (the endpointing delay)."""
    preroll_ms: int = 250
    """Audio kept from before the start, in milliseconds."""
    max_utterance_s: float = 12.0
    """An utterance is cut here, in seconds."""
    floor_window_s: float = 3.0
    """The noise floor is a low percentile of this much recent audio, in seconds."""


@dataclass
class Segment:
    """What one `Endpointer.feed` call found."""

    started: bool = False
    """Speech started in this chunk (`audio` then begins with the pre-roll)."""
    audio: bytes = b""
    """Audio that belongs to the current utterance (empty when not in speech)."""
    ended: bool = False
    """The utterance ended in this chunk."""


def frame_dbfs(frame: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(frame.astype(np.float64) ** 2))) if len(frame) else 0.0
    return 20 * np.log10(max(rms, 1e-3) / 32768.0)


class Endpointer:
    """Feed 16 kHz int16 chunks; get back which audio is speech and when an utterance ends."""

    def __init__(self, config: EndpointConfig | None = None, rate: int = RATE):
        self.config = config or EndpointConfig()
        self.rate = rate
        self.frame_len = rate * self.config.frame_ms // 1000
        self._floor_frames = max(1, int(self.config.floor_window_s * 1000 / self.config.frame_ms))
        self.reset()

    def reset(self) -> None:
        """Forget the current utterance (the noise floor is kept)."""
        self.in_speech = False
        self._loud_run = 0
        self._quiet_run = 0
        self._speech_frames = 0
        self._pending = b""
        if not hasattr(self, "_levels"):
            self._levels: deque[float] = deque(maxlen=self._floor_frames)
        self._preroll: deque[bytes] = deque(maxlen=max(1, self.config.preroll_ms // self.config.frame_ms))

    def quiet_ms(self) -> int:
        """How long the current utterance has been quiet, in milliseconds (0 outside speech)."""
        return self.trailing_quiet_ms() if self.in_speech else 0

    def trailing_quiet_ms(self) -> int:
        """The quiet at the end of the current or just-ended utterance, in milliseconds (0 after speech)."""
        return self._quiet_run * self.config.frame_ms

    @property
    def noise_floor_dbfs(self) -> float:
        if not self._levels:
            return -90.0
        return float(np.percentile(np.fromiter(self._levels, float), 10))

    def describe(self) -> str:
        return f"energy ({self.config.start_db:g} dB above the noise floor)"

    def _is_speech(self, frame: bytes, level: float) -> bool:
        """Whether one frame is speech: `start_db` above the noise floor (`voice.audio.vad` asks Silero instead)."""
        return level > max(self.noise_floor_dbfs + self.config.start_db, self.config.min_speech_dbfs)

    def feed(self, chunk: bytes) -> Segment:
        cfg = self.config
        data = self._pending + chunk
        n_bytes = self.frame_len * 2
        usable = len(data) - len(data) % n_bytes
        self._pending = data[usable:]
        seg = Segment()
        out = []
        for i in range(0, usable, n_bytes):
            raw = data[i:i + n_bytes]
            level = frame_dbfs(np.frombuffer(raw, dtype="<i2"))
            loud = self._is_speech(raw, level)
            self._levels.append(level)
            if not self.in_speech:
                self._preroll.append(raw)
                self._loud_run = self._loud_run + 1 if loud else 0
                if self._loud_run * cfg.frame_ms >= cfg.start_ms:
                    self.in_speech = True
                    seg.started = True
                    self._quiet_run = 0
                    self._speech_frames = 0
                    out.extend(self._preroll)
                    self._preroll.clear()
                continue
            out.append(raw)
            self._speech_frames += 1
            self._quiet_run = 0 if loud else self._quiet_run + 1
            if (self._quiet_run * cfg.frame_ms >= cfg.end_ms
                    or self._speech_frames * cfg.frame_ms >= cfg.max_utterance_s * 1000):
                seg.ended = True
                self.in_speech = False
                self._loud_run = 0
                self._pending = data[i + n_bytes:] if i + n_bytes < len(data) else b""
                break
        seg.audio = b"".join(out)
        return seg


def speech_seconds(pcm: bytes, endpointer: Endpointer) -> float:
    """How much of `pcm` is loud enough to be speech by `endpointer`'s current noise floor, in seconds."""
    cfg = endpointer.config
    threshold = max(endpointer.noise_floor_dbfs + cfg.start_db, cfg.min_speech_dbfs)
    n = endpointer.frame_len * 2
    loud = sum(1 for i in range(0, len(pcm) - n + 1, n)
               if frame_dbfs(np.frombuffer(pcm[i:i + n], dtype="<i2")) > threshold)
    return loud * cfg.frame_ms / 1000


def trim_to_speech(pcm: bytes, config: EndpointConfig | None = None) -> bytes:
    """The part of a recording the endpointer calls speech: first start (with pre-roll) to last end.

    A recorded utterance decoded whole would make the recognizer explain its leading and trailing
    room noise too; trimming gives it what the live loop gives it. No speech found: unchanged.
    """
    ep = Endpointer(config)
    step = RATE * 30 // 1000 * 2
    start = end = None
    pos = 0  # bytes consumed so far
    for i in range(0, len(pcm), step):
        chunk = pcm[i:i + step]
        seg = ep.feed(chunk)
        pos = i + len(chunk)
        if seg.started and start is None:
            start = max(0, pos - len(seg.audio))
        if seg.ended:
            end = pos
    if start is None:
        return pcm
    if end is None or ep.in_speech:
        end = len(pcm)
    return pcm[start:end]
