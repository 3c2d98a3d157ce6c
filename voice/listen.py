"""`attune listen`: build the hands-free loop from the settings and run it.

`listen` talks to a running state service (typed lines with --text, else recorded WAVs or the
microphone). `make_loop(args, speaker)` builds the loop, here and for `attune run`.
"""

from __future__ import annotations

import argparse
import itertools
import queue
import sys
import threading
from dataclasses import replace
from pathlib import Path
from typing import Callable, Iterable, Iterator, TextIO

from attune.flags import settings_from_args
from attune.paths import default_data_dir
from attune.settings import with_overrides
from intents import Matcher
from voice.asr.downloads import ModelError
from voice.asr.engines import make_recognizer
from voice.audio.devices import has_device
from voice.audio.sources import MicrophoneSource, WavFileSource, read_wav
from voice.audio.vad import make_endpointer
from voice.client import Client, ClientError, ServerUnavailable
from voice.hearing import hear_audio
from voice.loop import Loop, PrintSpeaker
from voice.speech.earcon import chime
from voice.speech.tts import make_speaker
from voice.wake.check import FIRST_STAGE
from voice.wake.listening import Listening
from voice.wake.spotter import KeyphraseSpotter


def make_loop(args: argparse.Namespace, speaker=None):
    """A Loop for these arguments: client with journal, intent matcher, a printing speaker by default."""
    settings = settings_from_args(args).settings
    journal = args.journal or default_data_dir() / "journal.jsonl"
    client = Client(settings.base_url, journal, token=settings.access_token)
    # The matcher only builds the recognizer's grammar for each step; the server decides the intent.
    matcher = Matcher.load(settings.locale, extra_lists={"partner": list(settings.partners),
                                                         "ritual": list(settings.rituals)})
    return Loop(client, speaker or PrintSpeaker(as_json=args.json), matcher, partner=args.partner,
                time_scale=args.time_scale, source="cli" if getattr(args, "text", False) else "voice")


def typed_lines(stream: TextIO) -> Iterator[str]:
    for line in stream:
        line = line.strip()
        if line:
            yield line


def listen(args: argparse.Namespace) -> int:
    loop = make_loop(args)
    if not loop.client.wait_until_up(timeout=10.0):
        print(f"attune: no state service at {loop.client.base_url} (start it with `attune serve`)", file=sys.stderr)
        return 2
    if args.text:
        if sys.stdin.isatty():
            print("attune: type what you would say, one line at a time (for example 'start our nightly "
                  "debrief'); Ctrl-D when you're done.", file=sys.stderr)
        return loop.run(typed_lines(sys.stdin))
    return int(listen_audio(args, loop) or 0)


SPEECH_SETTINGS = ("voice", "voice_rate", "voice_volume")


def loop_settings(args: argparse.Namespace, client=None):
    """Settings for the loop; the voice comes from the service (edited on the web page) unless a flag set it."""
    loaded = settings_from_args(args)
    wake = {k: v for k, v in (("wake_phrases", getattr(args, "wake_phrase", None)),
                              ("wake_threshold", getattr(args, "wake_threshold", None)),
                              ("addressed_s", getattr(args, "addressed_seconds", None)),
                              ("endpointer", getattr(args, "endpointer", None))) if v is not None}
    if wake:  # flags beat the file and the environment, as for every other setting
        loaded = replace(loaded, settings=with_overrides(loaded.settings, **wake))
    if client is None:
        return loaded.settings
    try:
        served = client.settings()
    except (ServerUnavailable, ClientError, ValueError):
        return loaded.settings
    changes = {k: served[k] for k in SPEECH_SETTINGS
               if k in served and loaded.sources.get(k) != "flag" and served[k] is not None}
    try:
        return replace(loaded.settings, **changes)
    except (TypeError, ValueError):
        return loaded.settings


def recognizer_for(args: argparse.Namespace, notice: Callable[[str], None], settings=None):
    """The recognizer the arguments ask for (the Whisper model: --whisper-model, else the
    `whisper_model` setting), or None after saying why there is none."""
    whisper_model = getattr(args, "whisper_model", None)
    try:
        if whisper_model is None:
            whisper_model = (settings or settings_from_args(args).settings).whisper_model
        return make_recognizer(None if args.engine == "auto" else args.engine, args.vosk_model,
                               whisper_model=whisper_model, notice=notice)
    except (ModelError, LookupError) as exc:
        notice(str(exc))
        return None


def wav_chunks(paths: Iterable[Path], gap_s: float = 1.0) -> Iterator[bytes]:
    """Recorded utterances one after another, each followed by `gap_s` of silence."""
    for path in paths:
        yield from WavFileSource(path, tail_s=gap_s)


class TeeSpeaker:
    """Speaks through one speaker and prints through another (for --json with audio)."""

    def __init__(self, audio, printer):
        self.audio, self.printer = audio, printer

    @property
    def speaking(self) -> bool:
        return self.audio.speaking

    def say(self, utterance) -> None:
        self.printer.say(utterance)
        self.audio.say(utterance)

    def control(self, intent: str) -> None:
        self.audio.control(intent)

    def stop(self) -> None:
        self.audio.stop()


STATE_LINES = {
    "idle": 'waiting for "{phrase}" (say "{phrase}", then what you want)',
    "talking": 'talking segment: I only listen for "{phrase}"',
    "addressed": "listening...",
    "open": "listening to everything (--no-wake)",
}


class ListeningReporter:
    """Shows listening state changes: one line in the terminal, and a PUT to the server (in the background,
    so the audio thread never waits on HTTP). Only the state is reported, never what was said."""

    def __init__(self, client, notice: Callable[[str], None]):
        self.client, self.notice = client, notice
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._send, name="attune-listening", daemon=True).start()

    def __call__(self, status) -> None:
        self.notice(STATE_LINES[status.state].format(phrase=status.phrases[0]))
        self._queue.put(status.as_dict())

    def _send(self) -> None:
        while True:
            body = self._queue.get()
            while not self._queue.empty():  # only the latest state matters
                body = self._queue.get()
            try:
                self.client.put_listening(body)
            except (ServerUnavailable, ClientError, AttributeError):
                pass  # the page shows a stale state until the server is back; the loop goes on


def wake_setup(args: argparse.Namespace, settings, loop, notice: Callable[[str], None], recognizer=None):
    """(listening, spotter) for the loop: None spotter with --no-wake, where every utterance is heard.
    With Whisper behind it (`recognizer`), the spotter is the looser first stage Whisper checks."""
    no_wake = bool(getattr(args, "no_wake", False))
    listening = Listening(settings.wake_phrases, settings.addressed_s, wake=not no_wake,
                          on_change=ListeningReporter(loop.client, notice))
    loop.listening = listening
    if no_wake:
        return listening, None
    checked = getattr(recognizer, "whisper", None) is not None
    spotter = KeyphraseSpotter(settings.wake_phrases, settings.wake_threshold, **(FIRST_STAGE if checked else {}))
    names = " or ".join(f'"{p}"' for p in settings.wake_phrases)
    notice(f"wake phrase: {names} (pocketsphinx keyphrase, threshold {settings.wake_threshold:.0e}"
           f"{', checked by Whisper' if checked else ''}); --no-wake to have every utterance heard")
    return listening, spotter


def pace(loop) -> Callable[[], None]:
    """For recorded input: wait until the loop has handled each heard item before hearing the next."""
    done = threading.Event()
    original = loop.hear

    def hear(item) -> None:
        try:
            original(item)
        finally:
            done.set()

    loop.hear = hear

    def wait() -> None:
        done.wait(timeout=30)
        done.clear()

    return wait


def listen_audio(args: argparse.Namespace, loop) -> int:
    """`attune listen` with --wav files or the microphone (and `attune run`)."""

    def notice(message: str) -> None:
        print(f"attune: {message}", file=sys.stderr, flush=True)

    settings = loop_settings(args, loop.client)  # voice, rate and volume as edited on the web page
    recognizer = recognizer_for(args, notice, settings)
    if recognizer is None:
        return 2
    notice(f"speech recognition: {recognizer.describe()}")
    if not args.print_only:
        speaker = make_speaker(settings, notice=notice)
        if hasattr(speaker, "speaking"):
            loop.speaker = TeeSpeaker(speaker, loop.speaker) if args.json else speaker
            notice(f"speech output: pyttsx3 at {speaker.rate} wpm")
    after_each = None
    if args.wav:
        missing = [str(p) for p in args.wav if not p.exists()]
        if missing:
            notice(f"no such file: {', '.join(missing)}")
            return 2

        for path in args.wav:  # refuse unreadable audio up front, not mid-routine in the reader thread
            try:
                read_wav(path)
            except (OSError, ValueError) as exc:
                notice(f"{path}: {exc}" if str(path) not in str(exc) else str(exc))
                return 2
        chunks: Iterable[bytes] = wav_chunks(args.wav)
        after_each = pace(loop)
        on_partial = None
    else:
        if not has_device("input", settings.input_device):
            notice("no microphone found; use --wav FILE..., or `attune listen --text` to type")
            return 2
        source = MicrophoneSource(settings.input_device, notice=notice)
        chunks = source
        interactive = sys.stderr.isatty()
        on_partial = (lambda text: print(f"\r… {text[-70:]:70}", end="", file=sys.stderr, flush=True)) \
            if interactive else None
        notice("listening (Ctrl-C to stop)")
    try:
        listening, spotter = wake_setup(args, settings, loop, notice, recognizer)
    except ValueError as exc:  # a wake phrase with words the model does not know
        notice(str(exc))
        return 2
    endpointer = make_endpointer(settings.endpointer)
    notice(f"endpointing: {endpointer.describe()}")
    heard = hear_audio(chunks, recognizer, matcher=loop.matcher, expects=loop.expects,
                       speaker=loop.speaker, endpointer=endpointer, on_partial=on_partial, notice=notice,
                       after_each=after_each,
                       listening=listening, spotter=spotter, on_wake=chime(loop.speaker, notice))
    return loop.run(itertools.chain(heard))
