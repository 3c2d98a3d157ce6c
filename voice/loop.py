"""The loop core: heard items in, events to the server, what attune says out through a Speaker.

Sources (typed lines, WAV files, the microphone) are any iterable of `Heard` items or plain
strings. Each is posted as one event with its words; the server alone decides which intent they
are. Its reply carries what attune says and the routine view the loop needs next, so one
utterance costs one request. Utterances found by polling (time announcements, the web page's
replies) are spoken once each, in order. At the end of the input the loop keeps polling until
the running routine ends.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Protocol, TextIO

from intents.names import VOICE_CONTROLS
from voice.client import Client, ClientError, ServerUnavailable

SPOKEN_FIELDS = ("kind", "routine", "step", "text", "clock_s")
# What the loop acts on itself, before the server answers: the speaker's controls must change
# speech at once (and work while the server is away), and who speaks stamps the events that follow.
LOCAL_INTENTS = frozenset(VOICE_CONTROLS) | {"IdentifyPartner"}


@dataclass(frozen=True)
class Heard:
    """One thing a recognizer (or a keyboard) heard."""

    text: str
    """The words, as text."""
    intent: str | None = None
    """An intent the recognizer's grammar decoded, or None: a hint the server may accept or not."""
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
        # A voice.wake.listening.Listening: told what the routine expects after attune speaks, so a short
        # question opens the "addressed" window and a talking segment needs the wake phrase.
        self.listening = listening
        self.view: Mapping[str, Any] | None = None  # the routine as of the last reply or poll
        self.seen: set[int] = set()
        self.poll_seq: int | None = None
        self._down_since: float | None = None

    # -- speaking ------------------------------------------------------------------------
    def speak(self, utterances: Iterable[Mapping[str, Any]], view: Mapping[str, Any] | None = None) -> None:
        """Say each new utterance; `view` is the routine after them (read from the server when not given)."""
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
        if view is None and spoken:  # announced by the clock or another client: the step may have moved
            view = self._read_view()
        if view is None:
            return
        self.view = view
        if spoken:
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
            if self.client.replay():
                self.view = None  # what was said while the server was away moved the routine on
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
    def _read_view(self) -> Mapping[str, Any] | None:
        try:
            self.view = self.client.routine()
        except (ServerUnavailable, ClientError):
            return None
        return self.view

    def expects(self) -> Mapping[str, Any] | None:
        """What the current step listens for, to pick the recognizer's grammar (read once at the start)."""
        view = self.view if self.view is not None else self._read_view()
        return (view or {}).get("expects")

    def local_intent(self, text: str, expects: Mapping[str, Any] | None) -> tuple[str | None, dict[str, str]]:
        """(intent, slots) when the words are one the loop acts on itself (`LOCAL_INTENTS`), else (None, {})."""
        if self.matcher is None or not text:
            return None, {}
        result = self.matcher.match(text, expect=(expects or {}).get("intents"))
        if result.intent not in LOCAL_INTENTS or (result.method == "spotted" and (expects or {}).get("free_text")):
            return None, {}  # a word-spotted guess never swallows a dictated answer
        return result.intent, dict(result.slots)

    def event_for(self, heard: Heard | str) -> dict[str, Any] | None:
        """The event to post for one heard item (None for blank input): the words, and the
        recognizer's intent only as a hint; the server decides."""
        if not isinstance(heard, Heard):
            heard = Heard(str(heard))
        text = heard.text.strip()
        if not text and not heard.intent:
            return None
        event: dict[str, Any] = {"intent": heard.intent, "slots": dict(heard.slots) or None, "text": text or None,
                                 "partner": heard.partner or self.partner, "source": self.source}
        if self.time_scale is not None:
            event["time_scale"] = self.time_scale
        return {k: v for k, v in event.items() if v is not None}

    def hear(self, heard: Heard | str) -> None:
        if self.poll_seq is None:
            self.poll()  # start listening from here, so a reply is not mistaken for history
        if self.client.pending() and self.client.replay():
            self.view = None  # older words went first and moved the routine: name the step it is at now
        view = self.view if self.view is not None else (self._read_view() or {})
        event = self.event_for(heard)
        if event is None:
            return
        local, slots = self.local_intent(event.get("text", ""), view.get("expects"))
        if view.get("active") and view.get("step") and local not in VOICE_CONTROLS:
            # Name the step this answers: if the page answered it first, the server says 409
            # instead of filing this answer under the next step.
            event["step"] = view["step"]
        if local in VOICE_CONTROLS and hasattr(self.speaker, "control"):
            self.speaker.control(local)
        if local == "IdentifyPartner" and slots.get("partner"):
            self.partner = slots["partner"]  # who speaks from now on
            event["partner"] = self.partner
        try:
            reply = self.client.post_event(event)
        except ClientError as err:
            self.notice(f"the server refused that ({err.status}): {err}")
            return
        if reply is None:
            self.view = None  # kept in the journal: the step is unknown until the server has it
            self._down()
            return
        # The reply carries the routine after this event; a server without it costs one read.
        self.speak(reply.get("utterances", []), reply.get("routine") or self._read_view())

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

        view = self._read_view()
        if self.listening is not None and view is not None:  # a talking segment may be running already
            self.listening.routine(view)
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
