"""`attune hear`, `attune models`, `attune devices`, `attune say`: audio tools."""

from __future__ import annotations

import argparse
import json
import sys
import time

from attune.flags import settings_from_args
from intents import Matcher
from intents.intent_set import IntentSet
from voice.asr import models, whisper_models
from voice.asr.grammar import command_grammar
from voice.audio.devices import list_devices
from voice.audio.sources import read_wav_16k
from voice.listen import recognizer_for
from voice.speech.tts import FileSpeaker, make_speaker


def _matcher(args):
    if getattr(args, "intents", None):
        return IntentSet.load(args.intents)
    settings = settings_from_args(args).settings
    return Matcher.load(settings.locale, extra_lists={"partner": list(settings.partners),
                                                     "ritual": list(settings.rituals)})


def hear_pcm(recognizer, matcher, grammar, pcm: bytes, expect=None) -> dict:
    """One recorded utterance through the command pipeline: decode (trimmed to its speech), then match.

    {"text", "intent", "slots", "confidence", "engine", "decode_seconds"}: what `attune hear` prints
    per file (and what the speech-to-intent benchmark scores).
    """
    started = time.perf_counter()
    result = recognizer.decode(pcm, grammar)
    decode_seconds = time.perf_counter() - started
    match = matcher.match(result.text, expect=expect) if (matcher is not None and result.text) else None
    return {"text": result.text, "intent": match.intent if match else None,
            "slots": dict(match.slots) if match and match.intent else {},
            "confidence": result.confidence, "engine": result.engine, "reason": result.reason,
            "decode_seconds": round(decode_seconds, 3)}


def hear(args: argparse.Namespace) -> int:
    """Decode each WAV in command mode; one line (JSON with --json) per file, in order."""
    recognizer = recognizer_for(args, lambda m: print(f"attune: {m}", file=sys.stderr))
    if recognizer is None:
        return 2
    print(f"attune: speech recognition: {recognizer.describe()}", file=sys.stderr, flush=True)
    matcher = _matcher(args)
    expect = [e.strip() for e in args.expect.split(",") if e.strip()] if args.expect else None
    grammar = command_grammar(matcher, expect, recognizer.engine) \
        if matcher is not None and not args.dictation else None
    status = 0
    for path in args.files:
        try:
            pcm = read_wav_16k(path)
        except (OSError, ValueError, EOFError) as exc:
            print(f"attune: {path}: {exc}", file=sys.stderr)
            status = 1
            continue
        line = {"file": str(path), **hear_pcm(recognizer, matcher, grammar, pcm, expect)}
        if args.json:
            print(json.dumps(line, ensure_ascii=False), flush=True)
        else:
            shown = line["text"] or f"(rejected: {line['reason']})"
            print(f"{path}: {shown} -> {line['intent']} {line['slots'] or ''}".rstrip(), flush=True)
    return status


def models_cmd(args: argparse.Namespace) -> int:
    if args.action == "download":
        try:
            if (args.name or "").startswith("whisper-"):
                path = whisper_models.download_whisper(args.name, base_url=args.url)
            else:
                path = models.download_model(args.name or models.DEFAULT_MODEL, base_url=args.url)
        except models.ModelError as exc:
            print(f"\nattune: {exc}", file=sys.stderr)
            return 1
        print(f"\nattune: model ready in {path}")
        return 0
    found = models.list_models()
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    for m in found:
        print(f"{m['engine']:13} {m['name']:40} {m['path']}")
    named = settings_from_args(args).settings.whisper_model
    # A Whisper model named in the settings wins over vosk, as `make_recognizer` decides.
    chosen = None if named else models.find_vosk_model()
    chosen_whisper = named or whisper_models.DEFAULT_MODEL
    second = f", then Whisper {chosen_whisper} (second pass)" if whisper_models.installed(chosen_whisper) else ""
    print(f"in use: {'vosk ' + chosen.name if chosen else 'pocketsphinx en-us' + second + ' (no English vosk model found)'}")
    return 0


def devices(args: argparse.Namespace) -> int:
    found = list_devices()
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    if not found:
        print("no audio devices found (attune will print prompts and read typed input)")
        return 0
    for d in found:
        marks = ("<in " if d["default_input"] else "") + ("out>" if d["default_output"] else "")
        print(f"{d['index']:3} {d['name'][:40]:40} in:{d['inputs']:<2} out:{d['outputs']:<2} "
              f"{d['default_rate']:>7.0f} Hz {marks}")
    return 0


def say(args: argparse.Namespace) -> int:
    settings = settings_from_args(args).settings
    text = " ".join(args.text)
    if args.out:
        speaker = FileSpeaker(args.out, settings.voice, settings.voice_rate, settings.voice_volume)
    else:
        speaker = make_speaker(settings, notice=lambda m: print(f"attune: {m}", file=sys.stderr))
    speaker.say({"text": text})
    return 0
