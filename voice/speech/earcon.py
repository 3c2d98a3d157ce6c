"""The earcon: the short chime that confirms the wake phrase was heard."""

from __future__ import annotations

from typing import Callable

import numpy as np

from voice.audio.sources import RATE


def earcon(rate: int = RATE, volume: float = 0.3) -> np.ndarray:
    """A short rising two-note chime (about 150 ms), float samples in -1..1: "I'm listening"."""
    notes = []
    for freq, dur in ((880.0, 0.07), (1320.0, 0.08)):
        t = np.arange(int(rate * dur)) / rate
        env = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms fade in and out, no click
        notes.append(np.sin(2 * np.pi * freq * t) * env)
    return np.concatenate(notes) * volume


def chime(speaker, notice: Callable[[str], None]) -> Callable[[], None]:
    """What confirms the wake phrase: a short earcon on a speaker that plays audio, else a printed cue."""
    audio = getattr(speaker, "audio", speaker)  # TeeSpeaker plays through its audio speaker
    play = getattr(audio, "_play", None)
    if play is None or not hasattr(audio, "speaking"):
        return lambda: notice("(yes?)")
    tone = earcon()

    def ring() -> None:
        try:
            play(tone, RATE)
        except Exception as exc:  # a lost output device must not stop listening
            notice(f"(could not play the earcon: {exc})")

    return ring
