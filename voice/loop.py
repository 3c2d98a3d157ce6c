"""The loop core: heard items in, events to the server, what attune says out through a Speaker.

Sources (typed lines now; microphones and WAV files from the voice package) are any
iterable of `Heard` items or plain strings. Each is matched with `intents` against what
the current step expects, posted as an event, and the server's utterances (replies and
time announcements found by polling) are spoken once each, in order. At the end of the
input the loop keeps polling until the running routine ends.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Protocol, TextIO

from voice.client import Client, ClientError, ServerUnavailable

SPOKEN_FIELDS = ("kind", "routine", "step", "text", "clock_s")
# Controls that mean the same at any step (they never name one); see Loop.hear.
STEPLESS_INTENTS = frozenset({"Pause", "Resume", "Repeat", "Explain", "TimeLeft", "Help", "Stop",
                              "Louder", "Softer", "Slower", "Faster"})
VOICE_CONTROLS = frozenset({"Louder", "Softer", "Slower", "Faster"})


@dataclass(frozen=True)
class Heard:
    """One thing a recognizer (or a keyboard) heard."""

    text: str
    """The words, as text."""
    intent: str | None = None
    """An intent the recognizer already matched, or None (the loop matches it)."""
    slots: Mapping[str, str] = field(default_factory=dict)
    """That intent's slots."""
    confidence: float = 1.0
    """Recognizer confidence 0..1."""
    partner: str | None = None
    """Who spoke, when known."""


class Speaker(Protocol):
    """Says an utterance ({"kind", "routine", "step", "text", "clock_s", ...}) aloud or otherwise.

    A speaker may also have `control(intent)` for Louder, Softer, Slower and Faster; the loop
    calls it when one of those is heard (they never reach a routine).
    """

    def say(self, utterance: Mapping[str, Any]) -> None: ...


class PrintSpeaker:
    """Prints what attune says: 'attune: text' lines, or one JSON object per line."""

    def __init__(self, stream: TextIO | None = None, as_json: bool = False):
        self.stream = stream or sys.stdout
        self.as_json = as_json

    def say(self, utterance: Mapping[str, Any]) -> None:
        if self.as_json:
            line = json.dumps({k: utterance.get(k) for k in SPOKEN_FIELDS}, ensure_ascii=False)
        else:
            line = f"attune: {utterance.get('text', '')}"
        print(line, file=self.stream, flush=True)


_EOF = object()


class Loop:
    """Drives routines on a server from a stream of heard items."""

    def __init__(self, client: Client, speaker: Speaker, matcher: Any = None, *, partner: str | None = None,
                 time_scale: float | None = None, source: str = "cli", poll_interval: float = 0.05,
                 notice: Callable[[str], None] | None = None, give_up_s: float = 60.0,
                 on_view: Callable[[Mapping[str, Any]], None] | None = None, listening: Any = None):
        self.client = client
        self.speaker = speaker
        self.matcher = matcher
        self.partner = partner
        self.time_scale = time_scale
        self.source = source
        self.poll_interval = poll_interval
        self.notice = notice or (lambda message: print(f"attune: {message}", file=sys.stderr, flush=True))
        self.give_up_s = give_up_s
        # Called with the routine view whenever attune said something, so a recognizer can
        # restrict itself to view["expects"].
        self.on_view = on_view
        # A voice.wake.spotter.Listening: told what the routine expects after attune speaks, so a short
        # question opens the "addressed" window and a talking segment needs the wake phrase.
        self.listening = listening
        self.seen: set[int] = set()
        self.poll_seq: int | None = None
        self._down_since: float | None = None

    # -- speaking ------------------------------------------------------------------------
    def speak(self, utterances: Iterable[Mapping[str, Any]]) -> None:
        spoken = asked = False
        for utterance in utterances:
            seq = utterance.get("seq")
            if seq in self.seen:
                continue
            if seq is not None:
                self.seen.add(seq)
            self.speaker.say(utterance)
            spoken = True
            asked = asked or utterance.get("kind") in ("prompt", "reprompt")
        if spoken and (self.on_view is not None or self.listening is not None):
            try:
                view = self.client.routine()
            except (ServerUnavailable, ClientError):
                return
            if self.on_view is not None:
                self.on_view(view)
            if self.listening is not None:
                self.listening.routine(view, asked=asked)

    def poll(self) -> None:
        """Speak anything new (time announcements, other clients' replies)."""
        try:
            if self.poll_seq is None:
                self.poll_seq = self.client.latest_seq()
            body = self.client.utterances(after=self.poll_seq)
            self.client.replay()
        except ServerUnavailable:
            self._down()
            return
        self._down_since = None
        self.speak(body["utterances"])
        self.poll_seq = max(self.poll_seq, int(body["last_seq"]))
        self.seen = {seq for seq in self.seen if seq > self.poll_seq}  # older ones never come back

    def _down(self) -> None:
        if self._down_since is None:
            self._down_since = time.monotonic()
            self.notice("the attune server is not answering; I'll keep what you say and send it when it's back")

    # -- hearing -------------------------------------------------------------------------
    def expects(self) -> Mapping[str, Any] | None:
        try:
            return self.client.routine().get("expects")
        except (ServerUnavailable, ClientError):
            return None

    def event_for(self, heard: Heard | str, expects: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """The event to post for one heard item (None for blank input)."""
        if not isinstance(heard, Heard):
            heard = Heard(str(heard))
        text = heard.text.strip()
        if not text and not heard.intent:
            return None
        intent, slots = heard.intent, dict(heard.slots)
        if intent is None and self.matcher is not None:
            result = self.matcher.match(text, expect=(expects or {}).get("intents"))
            intent, slots = result.intent, dict(result.slots)
            if result.method == "spotted" and (expects or {}).get("free_text"):
                intent, slots = None, {}  # a word-spotted guess never swallows a dictated answer
        event: dict[str, Any] = {"intent": intent, "slots": slots or None, "text": text or None,
                                 "partner": heard.partner or self.partner, "source": self.source}
        if self.time_scale is not None:
            event["time_scale"] = self.time_scale
        return {k: v for k, v in event.items() if v is not None}

    def hear(self, heard: Heard | str) -> None:
        if self.poll_seq is None:
            self.poll()  # start listening from here, so a reply is not mistaken for history
        try:
            view = self.client.routine()
        except (ServerUnavailable, ClientError):
            view = {}
        event = self.event_for(heard, view.get("expects"))
        if event is None:
            return
        if view.get("active") and view.get("step") and event.get("intent") not in STEPLESS_INTENTS:
            # Name the step this answers: if the page answered it first, the server says 409
            # instead of filing this answer under the next step.
            event["step"] = view["step"]
        if event.get("intent") in VOICE_CONTROLS and hasattr(self.speaker, "control"):
            self.speaker.control(event["intent"])
        if event.get("intent") == "IdentifyPartner" and (event.get("slots") or {}).get("partner"):
            self.partner = event["slots"]["partner"]  # who speaks from now on
            event["partner"] = self.partner
        try:
            reply = self.client.post_event(event)
        except ClientError as err:
            self.notice(f"the server refused that ({err.status}): {err}")
            return
        if reply is None:
            self._down()
            return
        self.speak(reply.get("utterances", []))

    # -- running -------------------------------------------------------------------------
    def routine_active(self) -> bool | None:
        try:
            return bool(self.client.routine().get("active"))
        except (ServerUnavailable, ClientError):
            return None

    def run(self, source: Iterable[Heard | str]) -> int:
        """Hear everything from `source`, then keep going until the running routine ends.

        Returns 0; 1 if the input failed (the error is reported in one line), or if the server
        stayed unreachable for `give_up_s` after the input ended with events still unsent.
        """
        items: queue.Queue = queue.Queue()

        failed: list[BaseException] = []

        def read() -> None:
            try:
                for item in source:
                    items.put(item)
            except Exception as exc:  # a broken source (bad file, lost device) ends the input
                failed.append(exc)
            finally:
                items.put(_EOF)

        if self.listening is not None:  # a talking segment may be running already
            try:
                self.listening.routine(self.client.routine())
            except (ServerUnavailable, ClientError):
                pass
        threading.Thread(target=read, name="attune-input", daemon=True).start()
        self.poll()
        input_done = False
        while True:
            try:
                item = items.get(timeout=self.poll_interval)
            except queue.Empty:
                item = None
            if item is _EOF:
                input_done = True
                if failed:
                    self.notice(f"input stopped: {failed[0] or type(failed[0]).__name__}")
            elif item is not None:
                self.hear(item)
            self.poll()
            if input_done and items.empty():
                active = self.routine_active()
                if active is False and self.client.pending() == 0:
                    self.poll()
                    return 1 if failed else 0
                if active is None and self._down_since is not None and \
                        time.monotonic() - self._down_since > self.give_up_s:
                    self.notice(f"gave up waiting for the server; {self.client.pending()} event(s) kept "
                                "in the journal for next time")
                    return 1
