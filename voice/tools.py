"""`attune hear`, `attune models`, `attune devices`, `attune say`: audio tools."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def _matcher(args):
    from server.cli import settings_from_args

    if getattr(args, "intents", None):
        from intents.intent_set import IntentSet

        return IntentSet.load(args.intents)
    settings = settings_from_args(args).settings
    try:
        from intents import Matcher
    except ImportError:
        return None
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
    from voice.audio.sources import read_wav_16k
    from voice.hearing import recognizer_for
    from voice.asr.pocketsphinx import command_grammar

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
    from voice.asr import models

    if args.action == "download":
        from voice.asr import whisper_models

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
    chosen = models.find_vosk_model()
    from voice.asr.whisper_models import bundled_dir

    second = ", then Whisper tiny.en (second pass)" if bundled_dir() is not None else ""
    print(f"in use: {'vosk ' + chosen.name if chosen else 'pocketsphinx en-us' + second + ' (no English vosk model found)'}")
    return 0


def devices(args: argparse.Namespace) -> int:
    from voice.audio.sources import list_devices

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
    from server.cli import settings_from_args
    from voice.speech.tts import FileSpeaker, make_speaker

    settings = settings_from_args(args).settings
    text = " ".join(args.text)
    if args.out:
        speaker = FileSpeaker(args.out, settings.voice, settings.voice_rate, settings.voice_volume)
    else:
        speaker = make_speaker(settings, notice=lambda m: print(f"attune: {m}", file=sys.stderr))
    speaker.say({"text": text})
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hear`, `models`, `devices` and `say`."""
    from server.cli import add_settings_flags

    p = sub.add_parser("hear", help="decode recorded utterances in command mode and print the intents",
                       description="Decode each WAV file (any rate and channel count) in command mode "
                                   "and print one line per file, in order. With --json each line is "
                                   '{"file","text","intent","slots","confidence","engine","reason","decode_seconds"}.')
    p.add_argument("files", nargs="+", type=Path, metavar="FILE.wav")
    p.add_argument("--expect", metavar="A,B", help="intents the step expects (default: what can be said "
                                                   "with no routine running); built-ins are always added")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.add_argument("--intents", type=Path, metavar="DIR",
                   help="decode and match with the intent set in DIR (*.yaml hassil templates) "
                        "instead of attune's own, e.g. bench/speech-to-intent/intents")
    p.add_argument("--dictation", action="store_true", help="free dictation instead of command mode")
    from voice.hearing import add_engine_arguments

    add_engine_arguments(p)
    add_settings_flags(p, server=False)
    p.set_defaults(handler=hear)

    p = sub.add_parser("models", help="list speech models, or download a vosk model",
                       description="`attune models` lists the models attune can use; "
                                   "`attune models download [NAME]` fetches an official vosk model "
                                   "(default vosk-model-small-en-us-0.15), verifies and unpacks it into models/; "
                                   "`attune models download whisper-base.en` (or whisper-small.en) fetches a "
                                   "bigger Whisper model for --whisper-model.")
    p.add_argument("action", nargs="?", choices=("list", "download"), default="list")
    p.add_argument("name", nargs="?", help="model name for download")
    p.add_argument("--url", metavar="URL", help="model site (default https://alphacephei.com/vosk/models, "
                                                "for Whisper models https://huggingface.co)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=models_cmd)

    p = sub.add_parser("devices", help="list audio input and output devices")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=devices)

    p = sub.add_parser("say", help="say a sentence with attune's voice (checks speech output)")
    p.add_argument("text", nargs="+")
    p.add_argument("--out", type=Path, metavar="FILE.wav", help="write the speech to a WAV file instead")
    p.add_argument("--voice", metavar="ID")
    p.add_argument("--voice-rate", dest="voice_rate", type=int, metavar="WPM")
    p.add_argument("--voice-volume", dest="voice_volume", type=float, metavar="V")
    p.add_argument("--output-device", metavar="DEV")
    add_settings_flags(p, server=False)
    p.set_defaults(handler=say)
