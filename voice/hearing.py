"""The audio side of the loop: audio chunks -> endpointing -> recognizer -> `Heard` items.

`hear_audio` is a generator the loop consumes (`Loop.run(source)`); it asks the loop what the
current step expects at the start of each utterance, only to pick the recognizer's grammar:
command mode listens for that (plus the built-ins) and free-text steps use dictation. While
attune speaks, the microphone is ignored except for "stop" (barge-in), which cuts the speech short.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Any, Callable, Iterable, Iterator, Mapping

from intents.words import words
from voice.asr.base import Transcript
from voice.asr.grammar import Grammar, command_grammar
from voice.asr.second_pass import vocabulary_prompt
from voice.asr.speculative import Speculation, restart
from voice.audio.endpoint import Endpointer, speech_seconds
from voice.audio.sources import RATE
from voice.loop import Heard
from voice.wake.check import check_for
from voice.wake.phrase import COMMAND, NOT_ADDRESSED, WAKE_ONLY, strip_wake_phrase, wake_outcome, with_wake_phrase

BARGE_IN_MIN_CONFIDENCE = 0.9
"""Stricter than commands: the barge-in grammar is tiny, so other speech easily finds a path in it,
and a false barge-in cuts attune off mid-sentence."""

def grammar_for(recognizer, matcher, expects: Mapping[str, Any] | None, command: bool = False):
    """None (dictation) for free-text steps or without a matcher, else the step's command grammar.

    `command`: after the wake phrase, a command even on a free-text step (a talking segment's
    "attune, next").
    """
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
               wake_check=None, speculate_ms: int | None = None) -> Iterator:
    """Yield a `Heard` for each accepted utterance; rejected ones are reported and dropped.

    With `listening` (a `voice.wake.listening.Listening`) and a `spotter` (`voice.wake.spotter.KeyphraseSpotter`), an
    utterance that starts while attune is not addressed is only searched for the wake phrase: the
    conversation is never decoded, and nothing of it is reported. When the phrase is heard,
    attune is addressed at once and the rest of the same utterance is decoded as a command
    ("attune, next"); if nothing follows, `on_wake()` runs (the earcon) and the next utterance is
    the command ("attune ... next"); if what follows is speech but no command, it was not meant
    for attune (`voice.wake.phrase.wake_outcome`) and nothing is said. With a Whisper second pass, Whisper
    judges that instead (`voice.wake.check`; `wake_check`: another check, or False for the rule alone).

    Once an utterance has been quiet `speculate_ms` (default `SPECULATE_MS`; 0: never), the
    recognizer finishes it in the background (`voice.asr.speculative`); the result is used if the
    quiet lasts until the endpointer ends the utterance, and thrown away if speech comes back.
    """
    endpointer = endpointer or Endpointer()
    if wake_check is None and listening is not None:
        wake_check = check_for(recognizer, listening.phrases)
    notice = notice or (lambda m: print(f"attune: {m}", file=sys.stderr, flush=True))
    barge_in = Grammar.from_phrases(words("barge_in", "phrases", getattr(matcher, "locale", "en")), name="barge")
    in_barge = False
    was_speaking = False
    clock = 0.0  # seconds of audio so far: the listening states are timed by it
    gated = decoding = False  # this utterance: waiting for the wake phrase / the recognizer is running
    woken_at: int | None = None  # bytes of this utterance before the end of the wake phrase
    woken_grammar = None  # the step's grammar with the wake phrase in front
    woken_phrase = ""
    audio: list[bytes] = []
    n_bytes = 0
    speculate_ms = SPECULATE_MS if speculate_ms is None else speculate_ms
    spec: Speculation | None = None  # this utterance's speculative finish, while its quiet lasts
    spec_quiet = 0  # the quiet (ms) when it started: less quiet since means speech came back
    started_with: tuple = (None, False)  # (grammar, partials) the recognizer was started with, for a restart

    def begin(grammar, partials: bool) -> None:
        nonlocal started_with
        started_with = (grammar, partials)
        recognizer.start(grammar, partials=partials)

    def drop_speculation() -> None:
        nonlocal spec
        if spec is not None:
            spec.discard()
            spec = None
            restart(recognizer, started_with[0], b"".join(audio), started_with[1])

    def wake_up(found) -> None:
        nonlocal woken_at, decoding, spec, woken_grammar, woken_phrase
        if spec is not None:  # its finish already closed the decoder's utterance
            spec.discard()
            spec = None
        elif decoding:
            recognizer.finish()  # addressed already, and it began with the wake phrase: decode what follows
        woken_at = found.end_byte
        listening.woke()  # listening from here; confirmed (earcon) or taken back when the utterance ends
        grammar = grammar_for(recognizer, matcher, expects(), command=True)
        woken_grammar = None if grammar is None else with_wake_phrase(grammar, listening.phrases)
        woken_phrase = found.phrase
        decoding = True
        if wake_check and grammar is not None:  # Whisper: the command after the phrase, read on its own
            begin(grammar, on_partial is not None)
            recognizer.feed(b"".join(audio)[woken_at:])
            return
        begin(woken_grammar, on_partial is not None)
        recognizer.feed(b"".join(audio))  # the whole utterance, phrase included: "attune next"

    try:
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
                audio, n_bytes, woken_at, spec = [], 0, None, None
                gated = not in_barge and listening is not None and listening.needs_wake()
                decoding = not gated
                if in_barge:
                    recognizer.start(barge_in, partials=False)  # never shown during barge-in
                elif not gated:  # open, or addressed: after the wake phrase a command, after a question the answer
                    woke = listening is not None and listening.status().reason == "wake"
                    step = expects()
                    grammar = grammar_for(recognizer, matcher, step, command=woke)
                    if grammar is None and hasattr(recognizer, "prompt_text"):  # Whisper's dictation

                        recognizer.prompt_text = vocabulary_prompt(matcher, (step or {}).get("intents"))
                    begin(grammar, on_partial is not None)
                if spotter is not None and listening is not None and not in_barge:
                    spotter.start()
            if seg.audio:
                audio.append(seg.audio)
                n_bytes += len(seg.audio)
                spotting = spotter is not None and listening is not None and not in_barge and woken_at is None
                found = spotter.feed(seg.audio) if spotting else None
                if found is not None:
                    wake_up(found)
                elif decoding and spec is not None and endpointer.trailing_quiet_ms() < spec_quiet:
                    drop_speculation()  # speech came back: the utterance goes on (this chunk is in `audio`)
                elif decoding and spec is None:
                    partial = recognizer.feed(seg.audio)
                    if partial and on_partial and not in_barge:
                        on_partial(partial)
                    # Whisper's wake check decodes the utterance its own way when it ends (`woken_outcome`)
                    checked = woken_at is not None and bool(wake_check)
                    if in_barge or seg.ended:
                        pass
                    elif speculate_ms and not checked and endpointer.quiet_ms() >= speculate_ms:
                        spec_quiet = endpointer.quiet_ms()
                        spec = Speculation(recognizer, endpointer.config.end_ms - spec_quiet)
                    elif not speculate_ms or checked:
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
            result = None  # a woken utterance with Whisper's check is finished by the check
            if spec is not None:  # quiet from the speculation's start to the end: its result stands
                result, spec = spec.result(), None
            elif woken_at is None or not wake_check:
                result = recognizer.finish()
            decoding = False
            if woken_at is not None:
                outcome, result = woken_outcome(recognizer, wake_check, b"".join(audio), woken_at, endpointer,
                                                woken_phrase, woken_grammar, result)
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
    finally:
        if spec is not None:  # the audio stopped, or the caller did, mid-speculation: leave the decoder idle
            spec.discard()


def woken_outcome(recognizer, wake_check, pcm: bytes, woken_at: int, endpointer: Endpointer, phrase: str,
                  woken_grammar, finished: Transcript | None = None) -> tuple[str, Transcript]:
    """(WAKE_ONLY, COMMAND or NOT_ADDRESSED, the command's transcript) for an utterance that began with
    the wake phrase, once it has ended. With Whisper's check the recognizer has been decoding the audio
    after the phrase (`voice.wake.check.WhisperWakeCheck.decide`); without it, the whole utterance with
    the phrase in front (`voice.wake.phrase.wake_outcome`), already `finished`."""
    after = speech_seconds(pcm[woken_at:], endpointer)
    if not wake_check:
        return wake_outcome(finished, after), finished
    recognizer.last = {}  # what the check reads is this utterance's second pass, or nothing
    if woken_grammar is not None:
        verdict = wake_check.decide(recognizer, pcm, phrase, after, woken_grammar)
        result = Transcript(text="", confidence=0.0, accepted=False, engine=getattr(recognizer, "engine", ""),
                            mode="command", decode_seconds=0.0, audio_seconds=len(pcm) / 2 / RATE)
    else:  # dictation (no matcher): the whole utterance was decoded
        result = recognizer.finish()
        verdict = wake_check.judge(recognizer, pcm, after)
    if verdict.outcome == COMMAND:
        result = replace(result, text=verdict.text, accepted=True, reason=None,
                         confidence=wake_check.confidence(verdict))
    return verdict.outcome, result


SPECULATE_MS = 60
"""Quiet time after which the recognizer finishes the utterance speculatively (`hear_audio`): early,
because Whisper's part (0.3-0.5 s on this machine) is longer than the endpointer's quiet; a pause
inside the utterance only costs work thrown away (bench/results/latency.md)."""

EARLY_PASS_MS = 150
"""Without the speculative finish: quiet time after which a two-pass recognizer starts its second
pass on the audio so far, while the endpointer still waits out the rest of its trailing silence."""


def early_pass(recognizer, endpointer: Endpointer) -> None:
    """Start the second pass early once the speech has gone quiet (`EARLY_PASS_MS`); the recognizer
    keeps the work only if the utterance ends within that same quiet stretch."""
    prepare = getattr(recognizer, "prepare", None)
    if prepare is not None and endpointer.quiet_ms() >= EARLY_PASS_MS:
        prepare(endpointer.config.end_ms - endpointer.quiet_ms())
