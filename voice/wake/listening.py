"""The listening states: which utterances attune acts on, now.

Partners talk to each other during a debrief; attune must not take that for commands. So, unless
it is `open` (`--no-wake`: one speaker, every utterance heard), attune acts on speech only when it
is addressed:

- idle: nothing is heard except the wake phrase ("attune" by default);
- talking: a talking segment of a routine; the same as idle (the partners' conversation is
  never decoded), shown apart so people know their words are not being taken as commands;
- addressed: after the wake phrase, or right after attune asks a short question whose step
  needs no wake phrase (`expects.wake == "none"` in the routine view): the next utterance is
  decoded as a command (or an answer) for `addressed_s` seconds of audio.

`Listening` is the state machine: pure, thread-safe, clocked by the audio itself (seconds of
audio fed), so recorded input behaves like a live microphone.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

from voice.wake.phrase import DEFAULT_PHRASE, normalise_phrases

IDLE, ADDRESSED, TALKING, OPEN = "idle", "addressed", "talking", "open"
STATES = (IDLE, ADDRESSED, TALKING, OPEN)
WAKE_NONE, WAKE_REQUIRED = "none", "required"
DEFAULT_ADDRESSED_S = 6.0


def step_wake(expects: Mapping[str, Any] | None) -> str:
    """"none" when the current step takes an answer without the wake phrase, else "required"."""
    return WAKE_NONE if (expects or {}).get("wake") == WAKE_NONE else WAKE_REQUIRED


@dataclass(frozen=True)
class Status:
    """The listening state as reported to the server, the page and the terminal."""

    state: str
    """idle | addressed | talking | open"""
    phrases: tuple[str, ...]
    addressed_s: float
    """Seconds of the addressed window left (0 when not addressed)."""
    reason: str | None = None
    """What opened the window: "wake", "question"; None otherwise."""

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "wake_phrases": list(self.phrases),
                "addressed_remaining_s": round(self.addressed_s, 1), "reason": self.reason}


class Listening:
    """Which utterances attune acts on, now. Times are seconds of audio (`tick`), not wall clock."""

    def __init__(self, phrases: Iterable[str] | str = (DEFAULT_PHRASE,), addressed_s: float = DEFAULT_ADDRESSED_S,
                 wake: bool = True, on_change: Callable[[Status], None] | None = None):
        self.phrases = normalise_phrases(phrases)
        self.addressed_s = float(addressed_s)
        self.wake = wake
        self.on_change = on_change
        self._lock = threading.Lock()
        self._now = 0.0
        self._until = -1.0
        self._reason: str | None = None
        self._talking = False
        self._last: str | None = None

    # -- reading -------------------------------------------------------------------------
    def state(self) -> str:
        with self._lock:
            return self._state()

    def _state(self) -> str:
        if not self.wake:
            return OPEN
        if self._now < self._until:
            return ADDRESSED
        return TALKING if self._talking else IDLE

    def needs_wake(self) -> bool:
        """True when an utterance starting now must begin with the wake phrase to be heard."""
        return self.state() in (IDLE, TALKING)

    def status(self) -> Status:
        with self._lock:
            state = self._state()
            left = max(0.0, self._until - self._now) if state == ADDRESSED else 0.0
            return Status(state, self.phrases, left, self._reason if state == ADDRESSED else None)

    # -- events --------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """The audio clock moved on (the addressed window may close)."""
        with self._lock:
            self._now = max(self._now, now)
        self._changed()

    def hold(self) -> None:
        """attune is speaking: an open addressed window starts counting only after it stops."""
        with self._lock:
            if self._now < self._until:
                self._until = self._now + self.addressed_s
        self._changed()

    def woke(self) -> None:
        """The wake phrase was heard: addressed, for the next `addressed_s` seconds."""
        self._open("wake")

    def heard(self) -> None:
        """A command or answer was taken: back to waiting for the wake phrase."""
        with self._lock:
            self._until = -1.0
            self._reason = None
        self._changed()

    def routine(self, view: Mapping[str, Any] | None, asked: bool = False) -> None:
        """The routine view after attune said something; `asked`: that was a question (prompt/reprompt)."""
        view = view or {}
        expects = view.get("expects") or {}
        with self._lock:
            self._talking = bool(view.get("active")) and bool(expects.get("free_text")) \
                and step_wake(expects) == WAKE_REQUIRED and not view.get("paused")
        # a question needing no wake phrase: a routine's, or a waiting reminder's ("is now good?")
        if asked and step_wake(expects) == WAKE_NONE:
            self._open("question")
        else:
            self._changed()

    def _open(self, reason: str) -> None:
        with self._lock:
            self._until = self._now + self.addressed_s
            self._reason = reason
        self._changed()

    def _changed(self) -> None:
        state = self.state()
        if state != self._last:
            self._last = state
            if self.on_change is not None:
                self.on_change(self.status())
