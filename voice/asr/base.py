"""The Recognizer seam: what every engine returns (`Transcript`) and the streaming protocol.

Two modes on every engine:
- command mode (`grammar` given): only what the current step expects plus the built-ins can
  be recognized; speech outside the grammar is rejected with a low confidence, not guessed;
- dictation mode (`grammar=None`): free text, for answers in the person's own words.

Streaming: `start(grammar)`, then `feed(chunk)` (returns a partial transcript or None), then
`finish()` -> `Transcript`. `decode(pcm, grammar)` does all three at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from voice.asr.grammar import Grammar
from voice.audio.endpoint import trim_to_speech
from voice.audio.sources import RATE


MIN_CONFIDENCE = 0.3
"""Command-mode results below this confidence are rejected."""


@dataclass(frozen=True)
class Transcript:
    """One decoded utterance."""

    text: str
    """The words ("" when nothing was recognized)."""
    confidence: float
    """0..1; command mode rejects below the recognizer's `min_confidence`."""
    accepted: bool
    """False: rejected (out of grammar, low confidence or nothing said)."""
    engine: str
    """"pocketsphinx" or "vosk"."""
    mode: str
    """"command" or "dictation"."""
    decode_seconds: float
    """CPU-side wall time spent decoding (feeding plus finishing), in seconds."""
    audio_seconds: float
    """Length of the audio decoded, in seconds."""
    reason: str | None = None
    """Why it was rejected, when it was."""


class Recognizer(Protocol):
    """A speech recognizer with command and dictation modes."""

    engine: str
    model: str

    def start(self, grammar: Grammar | None = None, partials: bool = True) -> None:
        """Begin an utterance; `partials`: whether `feed` should return partial transcripts (nearly
        free on both engines: their live pass is the decode)."""

    def feed(self, pcm: bytes) -> str | None: ...

    def finish(self) -> Transcript: ...

    def decode(self, pcm: bytes, grammar: Grammar | None = None, trim: bool = True) -> Transcript: ...

    def rewind(self) -> None:
        """The utterance just finished is to be decoded again from its start: put back any running
        state its audio moved (a speculative finish was thrown away)."""


class RecognizerBase:
    """What the engines share: whole-recording decoding and the accept/reject rule."""

    engine = "?"
    model = "?"
    min_confidence = MIN_CONFIDENCE

    def decode(self, pcm: bytes, grammar: Grammar | None = None, trim: bool = True) -> Transcript:
        """Decode a whole recorded utterance (trimmed to its speech, as the live loop's endpointer does)."""
        if trim:
            pcm = trim_to_speech(pcm)
        if not pcm:  # a WAV with no frames: nothing was said (pocketsphinx fails on an empty buffer)
            return self._result("", 0.0, "command" if grammar is not None else "dictation", 0.0, 0)
        self.start(grammar, partials=False)  # nobody sees partials of a recording decoded at once
        step = RATE // 10 * 2  # 100 ms
        for i in range(0, len(pcm), step):
            self.feed(pcm[i:i + step])
        return self.finish()

    def describe(self) -> str:
        return f"{self.engine} ({self.model})"

    def rewind(self) -> None:
        """Nothing to put back: an engine without running state decodes the utterance afresh."""

    def _result(self, text: str, confidence: float, mode: str, spent: float, n_bytes: int,
                reason: str | None = None) -> Transcript:
        text = " ".join(text.split())
        if reason is None and not text:
            reason = "nothing recognized"
        if reason is None and mode == "command" and confidence < self.min_confidence:
            reason = f"low confidence {confidence:.2f}"
        return Transcript(text=text if reason is None else "", confidence=round(confidence, 3),
                          accepted=reason is None, engine=self.engine, mode=mode,
                          decode_seconds=spent, audio_seconds=n_bytes / 2 / RATE, reason=reason)
