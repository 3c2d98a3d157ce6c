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
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from voice.audio import RATE
from voice.endpoint import Endpointer, speech_seconds
from voice.wake import COMMAND, NOT_ADDRESSED, WAKE_ONLY, strip_wake_phrase, wake_outcome, with_wake_phrase

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
    add_engine_arguments(parser)
    parser.add_argument("--endpointer", choices=("energy", "silero"),
                        help="what finds where speech starts and ends (setting `endpointer`; default silero, "
                             "Silero VAD; energy: the level above the noise floor)")
    parser.add_argument("--input-device", metavar="DEV", help="microphone: index or part of its name")
    parser.add_argument("--output-device", metavar="DEV", help="speaker: index or part of its name")
    parser.add_argument("--voice", metavar="ID", help="pyttsx3 voice id")
    parser.add_argument("--voice-rate", dest="voice_rate", type=int, metavar="WPM", help="speech rate, words/minute")
    parser.add_argument("--voice-volume", dest="voice_volume", type=float, metavar="V", help="volume 0..1")
    parser.add_argument("--print", dest="print_only", action="store_true",
                        help="print what attune says instead of speaking it")


def add_engine_arguments(parser: argparse.ArgumentParser) -> None:
    """--engine, --vosk-model and --whisper-model (`listen`, `run` and `hear`)."""
    from voice.engines import ENGINES

    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="speech recognizer (default: vosk if an English model was downloaded, else "
                             "pocketsphinx with Whisper's second pass; pocketsphinx: the first pass alone, "
                             "for small machines)")
    parser.add_argument("--vosk-model", type=Path, metavar="DIR", help="vosk model folder")
    parser.add_argument("--whisper-model", type=Path, metavar="DIR",
                        help="a CTranslate2 Whisper model folder (default: the bundled tiny.en; "
                             "`attune models download whisper-base.en` fetches a better one)")


def recognizer_for(args: argparse.Namespace, notice: Callable[[str], None]):
    """The recognizer the arguments ask for, or None after saying why there is none."""
    from voice.engines import make_recognizer
    from voice.models import ModelError

    try:
        return make_recognizer(None if args.engine == "auto" else args.engine, args.vosk_model,
                               whisper_model=getattr(args, "whisper_model", None), notice=notice)
    except (ModelError, LookupError) as exc:
        notice(str(exc))
        return None


def grammar_for(recognizer, matcher, expects: Mapping[str, Any] | None, command: bool = False):
    """None (dictation) for free-text steps or without a matcher, else the step's command grammar.

    `command`: after the wake phrase, a command even on a free-text step (a talking segment's
    "attune, next").
    """
    from voice.recognizers import command_grammar

    if matcher is None or (expects and expects.get("free_text") and not command):
        return None
    intents = (expects or {}).get("intents")
    return command_grammar(matcher, intents if intents else None, getattr(recognizer, "engine", None))


def hear_audio(chunks: Iterable[bytes], recognizer, *, matcher=None,
               expects: Callable[[], Mapping[str, Any] | None] = lambda: None,
               speaker=None, endpointer: Endpointer | None = None,
               on_partial: Callable[[str], None] | None = None,
               notice: Callable[[str], None] | None = None,
               after_each: Callable[[], None] | None = None,
               listening=None, spotter=None, on_wake: Callable[[], None] | None = None,
               wake_check=None) -> Iterator:
    """Yield a `Heard` for each accepted utterance; rejected ones are reported and dropped.

    With `listening` (a `voice.wake.Listening`) and a `spotter` (`voice.wake.KeyphraseSpotter`), an
    utterance that starts while attune is not addressed is only searched for the wake phrase: the
    conversation is never decoded, and nothing of it is reported. When the phrase is heard,
    attune is addressed at once and the rest of the same utterance is decoded as a command
    ("attune, next"); if nothing follows, `on_wake()` runs (the earcon) and the next utterance is
    the command ("attune ... next"); if what follows is speech but no command, it was not meant
    for attune (`voice.wake.wake_outcome`) and nothing is said. With a Whisper second pass, Whisper
    judges that instead (`voice.wake_check`; `wake_check`: another check, or False for the rule alone).
    """
    from voice.loop import Heard
    from voice.recognizers import Grammar

    endpointer = endpointer or Endpointer()
    if wake_check is None and listening is not None:
        from voice.wake_check import check_for

        wake_check = check_for(recognizer, listening.phrases)
    notice = notice or (lambda m: print(f"attune: {m}", file=sys.stderr, flush=True))
    barge_in = Grammar.from_phrases(BARGE_IN_PHRASES, name="barge")
    in_barge = False
    was_speaking = False
    clock = 0.0  # seconds of audio so far: the listening states are timed by it
    gated = decoding = False  # this utterance: waiting for the wake phrase / the recognizer is running
    woken_at: int | None = None  # bytes of this utterance before the end of the wake phrase
    audio: list[bytes] = []
    n_bytes = 0

    def wake_up(found) -> None:
        nonlocal woken_at, decoding
        if decoding:
            recognizer.finish()  # addressed already, and it began with the wake phrase: decode what follows
        woken_at = found.end_byte
        listening.woke()  # listening from here; confirmed (earcon) or taken back when the utterance ends
        grammar = grammar_for(recognizer, matcher, expects(), command=True)
        recognizer.start(None if grammar is None else with_wake_phrase(grammar, listening.phrases),
                         partials=on_partial is not None)
        decoding = True
        recognizer.feed(b"".join(audio))  # the whole utterance, phrase included: "attune next"

    for chunk in chunks:
        clock += len(chunk) / 2 / RATE
        speaking = bool(speaker is not None and getattr(speaker, "speaking", False))
        if listening is not None:
            listening.tick(clock)
            if speaking:
                listening.hold()
        if speaking != was_speaking and not endpointer.in_speech:
            endpointer.reset()
            was_speaking = speaking
        seg = endpointer.feed(chunk)
        if seg.started:
            in_barge = speaking
            audio, n_bytes, woken_at = [], 0, None
            gated = not in_barge and listening is not None and listening.needs_wake()
            decoding = not gated
            if in_barge:
                recognizer.start(barge_in, partials=False)  # never shown during barge-in
            elif not gated:  # open, or addressed: after the wake phrase a command, after a question the answer
                woke = listening is not None and listening.status().reason == "wake"
                step = expects()
                grammar = grammar_for(recognizer, matcher, step, command=woke)
                if grammar is None and hasattr(recognizer, "prompt_text"):  # Whisper's dictation
                    from voice.second_pass import vocabulary_prompt

                    recognizer.prompt_text = vocabulary_prompt(matcher, (step or {}).get("intents"))
                recognizer.start(grammar, partials=on_partial is not None)
            if spotter is not None and listening is not None and not in_barge:
                spotter.start()
        if seg.audio:
            audio.append(seg.audio)
            n_bytes += len(seg.audio)
            spotting = spotter is not None and listening is not None and not in_barge and woken_at is None
            found = spotter.feed(seg.audio) if spotting else None
            if found is not None:
                wake_up(found)
            elif decoding:
                partial = recognizer.feed(seg.audio)
                if partial and on_partial and not in_barge:
                    on_partial(partial)
                if not in_barge:
                    early_pass(recognizer, endpointer)
        if not seg.ended:
            continue
        if spotter is not None and listening is not None and not in_barge:
            spotter.finish()
        if in_barge:
            result = recognizer.finish()
            if result.accepted and result.confidence >= BARGE_IN_MIN_CONFIDENCE and speaker is not None:
                speaker.stop()
            in_barge = False
            continue
        if not decoding:
            continue  # not addressed and no wake phrase: conversation, not for attune
        if woken_at is not None and wake_check:
            recognizer.last = {}  # what the check reads is this utterance's second pass, or nothing
        result = recognizer.finish()
        decoding = False
        if woken_at is not None:
            after = speech_seconds(b"".join(audio)[woken_at:], endpointer)
            if wake_check:  # Whisper: did "attune" begin it, and what followed?
                verdict = wake_check.judge(recognizer, b"".join(audio), after)
                outcome = verdict.outcome
                if outcome == COMMAND:
                    result = replace(result, text=verdict.text, accepted=True, reason=None,
                                     confidence=wake_check.confidence(verdict))
            else:
                outcome = wake_outcome(result, after)
            if outcome == WAKE_ONLY:  # "attune ... next": the next utterance is the command
                listening.woke()  # the window counts from the end of this utterance
                if on_wake is not None:
                    on_wake()
                continue
            if outcome == NOT_ADDRESSED:  # a look-alike inside conversation: silently back to waiting
                listening.heard()
                continue
        if not result.accepted:
            notice(f"(didn't catch that: {result.reason})")
            continue
        if listening is not None:
            listening.heard()
        text = strip_wake_phrase(result.text, listening.phrases) if woken_at is not None else result.text
        yield Heard(text=text, confidence=result.confidence)
        if after_each is not None:
            after_each()


EARLY_PASS_MS = 150
"""Quiet time after which a two-pass recognizer starts its second pass on the audio so far, while
the endpointer still waits out the rest of its trailing silence (450 ms)."""


def early_pass(recognizer, endpointer: Endpointer) -> None:
    """Start the second pass early once the speech has gone quiet (`EARLY_PASS_MS`); the recognizer
    keeps the work only if the utterance ends within that same quiet stretch."""
    prepare = getattr(recognizer, "prepare", None)
    if prepare is not None and endpointer.quiet_ms() >= EARLY_PASS_MS:
        prepare(endpointer.config.end_ms - endpointer.quiet_ms())


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
        import queue

        self.client, self.notice = client, notice
        self._queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._send, name="attune-listening", daemon=True).start()

    def __call__(self, status) -> None:
        self.notice(STATE_LINES[status.state].format(phrase=status.phrases[0]))
        self._queue.put(status.as_dict())

    def _send(self) -> None:
        from voice.client import ClientError, ServerUnavailable

        while True:
            body = self._queue.get()
            while not self._queue.empty():  # only the latest state matters
                body = self._queue.get()
            try:
                self.client.put_listening(body)
            except (ServerUnavailable, ClientError, AttributeError):
                pass  # the page shows a stale state until the server is back; the loop goes on


def chime(speaker, notice: Callable[[str], None]) -> Callable[[], None]:
    """What confirms the wake phrase: a short earcon on a speaker that plays audio, else a printed cue."""
    from voice.wake import earcon

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


def wake_setup(args: argparse.Namespace, settings, loop, notice: Callable[[str], None], recognizer=None):
    """(listening, spotter) for the loop: None spotter with --no-wake, where every utterance is heard.
    With Whisper behind it (`recognizer`), the spotter is the looser first stage Whisper checks."""
    from voice.wake import KeyphraseSpotter, Listening
    from voice.wake_check import FIRST_STAGE

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
    from voice.audio import MicrophoneSource, has_device
    from voice.tts import make_speaker

    def notice(message: str) -> None:
        print(f"attune: {message}", file=sys.stderr, flush=True)

    from voice.run_command import loop_settings

    settings = loop_settings(args, loop.client)  # voice, rate and volume as edited on the web page
    recognizer = recognizer_for(args, notice)
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
    try:
        listening, spotter = wake_setup(args, settings, loop, notice, recognizer)
    except ValueError as exc:  # a wake phrase with words the model does not know
        notice(str(exc))
        return 2
    from voice.vad import make_endpointer

    endpointer = make_endpointer(getattr(settings, "endpointer", None))
    notice(f"endpointing: {endpointer.describe()}")
    heard = hear_audio(chunks, recognizer, matcher=loop.matcher, expects=loop.expects,
                       speaker=loop.speaker, endpointer=endpointer, on_partial=on_partial, notice=notice, after_each=after_each,
                       listening=listening, spotter=spotter, on_wake=chime(loop.speaker, notice))
    return loop.run(itertools.chain(heard))
