"""The audio side of the loop: audio chunks -> endpointing -> recognizer -> `Heard` items.

`hear_audio` is a generator the loop consumes (`Loop.run(source)`); it asks the loop what the
current step expects at the start of each utterance, so command mode only listens for that
(plus the built-ins) and free-text steps use dictation. While attune speaks, the microphone
is ignored except for "stop" (barge-in), which cuts the speech short.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from voice.endpoint import Endpointer

BARGE_IN_PHRASES = ("stop", "stop talking", "stop please", "please stop", "be quiet", "quiet please",
                    "that's enough", "enough")
"""What cuts attune's speech short while it talks (never posted as an event)."""
BARGE_IN_MIN_CONFIDENCE = 0.9
"""Stricter than commands: the barge-in grammar is tiny, so other speech easily finds a path in it,
and a false barge-in cuts attune off mid-sentence."""


def add_audio_arguments(parser: argparse.ArgumentParser) -> None:
    """Options for audio input and output (`listen` and `run`)."""
    parser.add_argument("--wav", nargs="+", type=Path, metavar="FILE",
                        help="hear these recorded utterances (any rate, any channels) instead of the microphone")
    parser.add_argument("--engine", choices=("auto", "vosk", "pocketsphinx"), default="auto",
                        help="speech recognizer (default: vosk if an English model is found, else pocketsphinx)")
    parser.add_argument("--vosk-model", type=Path, metavar="DIR", help="vosk model folder")
    parser.add_argument("--input-device", metavar="DEV", help="microphone: index or part of its name")
    parser.add_argument("--output-device", metavar="DEV", help="speaker: index or part of its name")
    parser.add_argument("--voice", metavar="ID", help="pyttsx3 voice id")
    parser.add_argument("--voice-rate", dest="voice_rate", type=int, metavar="WPM", help="speech rate, words/minute")
    parser.add_argument("--voice-volume", dest="voice_volume", type=float, metavar="V", help="volume 0..1")
    parser.add_argument("--print", dest="print_only", action="store_true",
                        help="print what attune says instead of speaking it")


def grammar_for(recognizer, matcher, expects: Mapping[str, Any] | None):
    """None (dictation) for free-text steps or without a matcher, else the step's command grammar."""
    from voice.recognizers import command_grammar

    if matcher is None or (expects and expects.get("free_text")):
        return None
    intents = (expects or {}).get("intents")
    return command_grammar(matcher, intents if intents else None)


def hear_audio(chunks: Iterable[bytes], recognizer, *, matcher=None,
               expects: Callable[[], Mapping[str, Any] | None] = lambda: None,
               speaker=None, endpointer: Endpointer | None = None,
               on_partial: Callable[[str], None] | None = None,
               notice: Callable[[str], None] | None = None,
               after_each: Callable[[], None] | None = None) -> Iterator:
    """Yield a `Heard` for each accepted utterance; rejected ones are reported and dropped."""
    from voice.loop import Heard
    from voice.recognizers import Grammar

    endpointer = endpointer or Endpointer()
    notice = notice or (lambda m: print(f"attune: {m}", file=sys.stderr, flush=True))
    barge_in = Grammar.from_phrases(BARGE_IN_PHRASES, name="barge")
    in_barge = False
    was_speaking = False
    for chunk in chunks:
        speaking = bool(speaker is not None and getattr(speaker, "speaking", False))
        if speaking != was_speaking and not endpointer.in_speech:
            endpointer.reset()
            was_speaking = speaking
        seg = endpointer.feed(chunk)
        if seg.started:
            in_barge = speaking
            recognizer.start(barge_in if in_barge else grammar_for(recognizer, matcher, expects()))
        if seg.audio:
            partial = recognizer.feed(seg.audio)
            if partial and on_partial and not in_barge:
                on_partial(partial)
        if not seg.ended:
            continue
        result = recognizer.finish()
        if in_barge:
            if result.accepted and result.confidence >= BARGE_IN_MIN_CONFIDENCE and speaker is not None:
                speaker.stop()
            in_barge = False
            continue
        if not result.accepted:
            notice(f"(didn't catch that: {result.reason})")
            continue
        yield Heard(text=result.text, confidence=result.confidence)
        if after_each is not None:
            after_each()


def wav_chunks(paths: Iterable[Path], gap_s: float = 1.0) -> Iterator[bytes]:
    """Recorded utterances one after another, each followed by `gap_s` of silence."""
    from voice.audio import WavFileSource

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
    from voice.audio import MicrophoneSource, has_device
    from voice.recognizers import make_recognizer
    from voice.tts import make_speaker

    def notice(message: str) -> None:
        print(f"attune: {message}", file=sys.stderr, flush=True)

    from voice.run_command import loop_settings

    settings = loop_settings(args, loop.client)  # voice, rate and volume as edited on the web page
    recognizer = make_recognizer(None if args.engine == "auto" else args.engine, args.vosk_model)
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
        from voice.audio import read_wav

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
    heard = hear_audio(chunks, recognizer, matcher=loop.matcher, expects=loop.expects,
                       speaker=loop.speaker, on_partial=on_partial, notice=notice, after_each=after_each)
    return loop.run(itertools.chain(heard))
