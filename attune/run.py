"""`attune run`: the state service (waitress, in a thread) and the voice loop, in one process.

The two meet only over HTTP on 127.0.0.1, as when they run apart. With no microphone it
says so and reads typed lines instead. Ctrl-C stops both cleanly.
"""

from __future__ import annotations

import argparse
import sys
import threading

from attune.flags import add_bind_flags, settings_from_args
from server.cli import make_server
from server.routines.timings import SETTING_CHECKS
from voice.audio.devices import has_device
from voice.cli import add_audio_arguments, add_loop_arguments
from voice.listen import listen_audio, loop_settings, make_loop, typed_lines
from voice.speech.tts import make_speaker


def run(args: argparse.Namespace) -> int:
    def notice(message: str) -> None:
        print(f"attune: {message}", file=sys.stderr, flush=True)

    loaded = settings_from_args(args, SETTING_CHECKS)
    server, _app = make_server(loaded)
    port = server.effective_port
    args.server_url = args.server_url or f"http://127.0.0.1:{port}"
    stopping = threading.Event()

    def serve() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # the socket closed under select() while stopping
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=serve, name="attune-server", daemon=True)
    thread.start()
    notice(f"state service on http://{loaded.settings.host}:{port}  (data: {loaded.settings.db_path})")
    try:
        loop = make_loop(args)
        if not loop.client.wait_until_up(timeout=10.0):
            notice("the state service did not start")
            return 2
        if args.text or (not args.wav and not has_device("input", loop_settings(args).input_device)):
            if not args.text:
                notice("no microphone found: type what you would say, one line at a time (Ctrl-D to end)")
            if not args.print_only and not args.json:
                loop.speaker = make_speaker(loop_settings(args, loop.client), notice=notice)
            return loop.run(typed_lines(sys.stdin))
        return listen_audio(args, loop)
    except KeyboardInterrupt:
        notice("stopping")
        return 0
    finally:
        stopping.set()
        server.task_dispatcher.shutdown()
        server.close()
        thread.join(timeout=5)
        notice("stopped")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "run",
        help="run everything: the state service and the hands-free voice loop (what `make run` starts)",
        description="Start the state service in this process and the voice loop against it: it listens "
                    "on the microphone, understands what is said and answers aloud. Without a microphone "
                    "it reads typed lines. Ctrl-C stops everything.",
    )
    add_loop_arguments(parser)
    add_bind_flags(parser)
    parser.add_argument("--text", action="store_true", help="type instead of speaking")
    add_audio_arguments(parser)
    parser.set_defaults(handler=run)
