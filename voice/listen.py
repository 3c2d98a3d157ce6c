"""`attune listen` and `attune run`: the hands-free loop, a client of the state service.

`attune listen --text` runs any routine by typing: one line per thing said. Audio input
(microphone, --wav) plugs in through `voice.hearing` (`add_listen_arguments(parser)`,
`listen_audio(args, loop)`) and `attune run` through `voice.run_command.register(sub)`,
when those modules exist. `make_loop(args, speaker)` builds the loop for any of them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Iterator, TextIO


def add_loop_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags every loop command shares (server, partner, speed, output format)."""
    from server.cli import add_settings_flags

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


def make_loop(args: argparse.Namespace, speaker=None):
    """A Loop for these arguments: client with journal, intent matcher, a printing speaker by default."""
    from server.cli import settings_from_args
    from server.settings import default_data_dir
    from voice.client import Client
    from voice.loop import Loop, PrintSpeaker

    settings = settings_from_args(args).settings
    journal = args.journal or default_data_dir() / "journal.jsonl"
    client = Client(settings.base_url, journal, token=settings.access_token)
    try:
        from intents import Matcher

        matcher = Matcher.load(settings.locale, extra_lists={"partner": list(settings.partners),
                                                             "ritual": list(settings.rituals)})
    except ImportError:
        matcher = None  # the server matches text itself
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
    try:
        from voice.hearing import listen_audio
    except ImportError:
        print("attune: audio input is not available in this build; use --text to type", file=sys.stderr)
        return 2
    return int(listen_audio(args, loop) or 0)


def register(sub: argparse._SubParsersAction) -> None:
    """Add `listen` (and `run`, when the voice package provides it)."""
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
    parser.set_defaults(handler=listen)
    try:
        from voice import hearing as audio_loop
    except ImportError:
        audio_loop = None
    if audio_loop is not None and hasattr(audio_loop, "add_listen_arguments"):
        audio_loop.add_listen_arguments(parser)  # --wav, devices, engine: the voice package's flags
    try:
        from voice import run_command
    except ImportError:
        return
    run_command.register(sub)
