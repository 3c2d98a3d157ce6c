"""Audio in: any source becomes an iterator of 16 kHz mono 16-bit PCM chunks (bytes).

- `WavFileSource`: any WAV rate and channel count (8/16/24/32-bit PCM), resampled the same way.
- `MicrophoneSource`: sounddevice capture at the device's native rate, resampled to 16 kHz mono;
  a device that disappears is reopened with backoff instead of crashing the loop.
- `to_pcm16k`: the one conversion both use (pure numpy).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import wave
from pathlib import Path
from typing import Callable, Iterator, Protocol

import numpy as np

from voice.audio.devices import import_sounddevice, resolve_device

RATE = 16000
"""Sample rate every recognizer gets, in Hz."""
CHUNK_MS = 30
"""Length of one chunk, in milliseconds."""

log = logging.getLogger("attune.audio")


class AudioSource(Protocol):
    """An iterable of 16 kHz mono int16 PCM chunks; `close()` stops it."""

    def __iter__(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


def _lowpass(x: np.ndarray, ratio: float) -> np.ndarray:
    """A short windowed-sinc low-pass before decimating by `ratio` (> 1), to keep aliasing out."""
    taps = 31
    cutoff = 0.5 / ratio * 0.9
    n = np.arange(taps) - (taps - 1) / 2
    h = np.sinc(2 * cutoff * n) * np.hamming(taps)
    h /= h.sum()
    return np.convolve(x, h, mode="same")


def resample(x: np.ndarray, src_rate: int, dst_rate: int = RATE) -> np.ndarray:
    """Resample a float mono signal by linear interpolation (low-passed first when downsampling)."""
    if src_rate == dst_rate or len(x) == 0:
        return x
    ratio = src_rate / dst_rate
    if ratio > 1:
        x = _lowpass(x, ratio)
    n_out = int(round(len(x) / ratio))
    positions = np.arange(n_out) * ratio
    return np.interp(positions, np.arange(len(x)), x)


def to_pcm16k(samples: np.ndarray, rate: int, dst_rate: int = RATE) -> bytes:
    """Frames (n,) or (n, channels), int or float, at `rate` -> mono int16 PCM bytes at `dst_rate`."""
    x = np.asarray(samples)
    if x.dtype.kind in "iu":
        scale = float(np.iinfo(x.dtype).max) + 1.0
        offset = 0.0
        if x.dtype.kind == "u":  # unsigned (8-bit WAV): centred on half the range
            scale /= 2
            offset = scale
        x = (x.astype(np.float64) - offset) / scale
    else:
        x = x.astype(np.float64)
    if x.ndim == 2:
        x = x.mean(axis=1)
    x = resample(x, rate, dst_rate)
    return (np.clip(x, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """A PCM WAV file as (frames[, channels]) integer samples and its rate.

    A file that is not a PCM WAV (or is empty or cut short in its header) is a ValueError naming it.
    """
    try:
        with wave.open(str(path), "rb") as wf:
            channels, width, rate = wf.getnchannels(), wf.getsampwidth(), wf.getframerate()
            raw = wf.readframes(wf.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{path}: not a PCM WAV file ({exc or 'empty or cut short'})") from None
    if width == 1:
        data = np.frombuffer(raw, dtype=np.uint8)
    elif width == 2:
        data = np.frombuffer(raw, dtype="<i2")
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        data = (b[:, 0].astype(np.int32) | (b[:, 1].astype(np.int32) << 8) | (b[:, 2].astype(np.int32) << 16))
        data = np.where(data >= 1 << 23, data - (1 << 24), data).astype(np.int32) << 8
    elif width == 4:
        data = np.frombuffer(raw, dtype="<i4")
    else:
        raise ValueError(f"{path}: unsupported sample width {width} bytes")
    if channels > 1:
        data = data.reshape(-1, channels)
    return data, rate


def read_wav_16k(path: str | Path) -> bytes:
    """A whole WAV file as 16 kHz mono int16 PCM bytes."""
    data, rate = read_wav(path)
    return to_pcm16k(data, rate)


def write_wav(path: str | Path, pcm: bytes, rate: int = RATE) -> None:
    """Write mono int16 PCM bytes as a WAV file."""
    with wave.open(str(path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(rate)
        wf.writeframes(pcm)


def chunked(pcm: bytes, chunk_ms: int = CHUNK_MS, rate: int = RATE) -> Iterator[bytes]:
    step = rate * chunk_ms // 1000 * 2
    for i in range(0, len(pcm), step):
        yield pcm[i:i + step]


class WavFileSource:
    """A recorded utterance as chunks, followed by `tail_s` of silence so endpointing can finish."""

    def __init__(self, path: str | Path, chunk_ms: int = CHUNK_MS, tail_s: float = 1.0):
        self.path = Path(path)
        self.chunk_ms = chunk_ms
        self.tail_s = tail_s
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        pcm = read_wav_16k(self.path) + bytes(int(RATE * self.tail_s) * 2)
        for chunk in chunked(pcm, self.chunk_ms):
            if self._closed:
                return
            yield chunk

    def close(self) -> None:
        self._closed = True


class MicrophoneSource:
    """Microphone chunks via sounddevice, resampled to 16 kHz mono.

    Opens the device at its native rate. If the stream fails (device unplugged, PortAudio
    error), it is reopened after 0.5, 1, 2, ... up to `max_backoff_s` seconds; the iterator
    keeps going. `muted` chunks (attune speaking) are dropped at the source.
    """

    def __init__(self, device: str | int | None = None, chunk_ms: int = CHUNK_MS, sd=None,
                 max_backoff_s: float = 8.0, sleep: Callable[[float], None] = time.sleep,
                 notice: Callable[[str], None] | None = None):
        self.sd = sd or import_sounddevice()
        self.device = device
        self.chunk_ms = chunk_ms
        self.max_backoff_s = max_backoff_s
        self.sleep = sleep
        self.notice = notice or (lambda m: log.warning("%s", m))
        self.reopens = 0
        self._queue: queue.Queue = queue.Queue(maxsize=400)
        self._closed = threading.Event()
        self._failed = threading.Event()
        self._stream = None

    def _open(self):
        dev = resolve_device(self.device, "input", self.sd)
        info = self.sd.query_devices(dev, "input")
        rate = int(info["default_samplerate"]) or RATE
        self._failed.clear()

        def callback(indata, frames, time_info, status):
            if status and (status.input_overflow is False) and status:
                pass
            try:
                self._queue.put_nowait((indata.copy(), rate))
            except queue.Full:  # consumer too slow: drop the oldest audio, keep going
                pass

        def finished():
            if not self._closed.is_set():
                self._failed.set()

        stream = self.sd.InputStream(device=dev, channels=1, samplerate=rate, dtype="int16",
                                     blocksize=rate * self.chunk_ms // 1000, callback=callback,
                                     finished_callback=finished)
        stream.start()
        self._stream = stream

    def _close_stream(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.abort()
                stream.close()
            except Exception:
                pass

    def __iter__(self) -> Iterator[bytes]:
        backoff = 0.5
        while not self._closed.is_set():
            if self._stream is None:
                try:
                    self._open()
                    backoff = 0.5
                except Exception as exc:  # device gone or busy: wait and try again
                    self.notice(f"microphone unavailable ({exc}); retrying in {backoff:g} s")
                    self._close_stream()
                    self.sleep(backoff)
                    backoff = min(backoff * 2, self.max_backoff_s)
                    self.reopens += 1
                    continue
            try:
                frames, rate = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._failed.is_set() or (self._stream is not None and not self._stream.active):
                    self.notice("microphone stream stopped; reopening")
                    self._close_stream()
                continue
            yield to_pcm16k(frames, rate)
        self._close_stream()

    def close(self) -> None:
        self._closed.set()
