"""`attune run`: the state service (waitress, in a thread) and the voice loop, in one process.

With no microphone it says so and reads typed lines instead. Ctrl-C stops both cleanly.
"""

from __future__ import annotations

import argparse
import sys
import threading


def run(args: argparse.Namespace) -> int:
    from server.cli import make_server, settings_from_args
    from voice.audio import has_device
    from voice.audio_loop import listen_audio
    from voice.loop_commands import make_loop, typed_lines

    def notice(message: str) -> None:
        print(f"attune: {message}", file=sys.stderr, flush=True)

    loaded = settings_from_args(args)
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
                from voice.tts import make_speaker

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


SPEECH_SETTINGS = ("voice", "voice_rate", "voice_volume")


def loop_settings(args: argparse.Namespace, client=None):
    """Settings for the loop; the voice comes from the service (edited on the web page) unless a flag set it."""
    from dataclasses import replace

    from server.cli import settings_from_args
    from voice.client import ClientError, ServerUnavailable

    loaded = settings_from_args(args)
    wake = {k: v for k, v in (("wake_phrases", getattr(args, "wake_phrase", None)),
                              ("wake_threshold", getattr(args, "wake_threshold", None)),
                              ("addressed_s", getattr(args, "addressed_seconds", None)),
                              ("endpointer", getattr(args, "endpointer", None))) if v is not None}
    if wake:  # flags beat the file and the environment, as for every other setting
        from server.settings import with_overrides

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


def register(sub: argparse._SubParsersAction) -> None:
    """Add `run`, and the audio options of `listen` (its parser is already registered)."""
    from voice.audio_loop import add_audio_arguments
    from voice.loop_commands import add_loop_arguments

    listen_parser = sub.choices.get("listen")
    if listen_parser is not None:
        add_audio_arguments(listen_parser)
    parser = sub.add_parser(
        "run",
        help="run everything: the state service and the hands-free voice loop (what `make run` starts)",
        description="Start the state service in this process and the voice loop against it: it listens "
                    "on the microphone, understands what is said and answers aloud. Without a microphone "
                    "it reads typed lines. Ctrl-C stops everything.",
    )
    add_loop_arguments(parser)
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 5317)")
    parser.add_argument("--db", dest="db_path", metavar="PATH", help="SQLite database file")
    parser.add_argument("--text", action="store_true", help="type instead of speaking")
    add_audio_arguments(parser)
    parser.set_defaults(handler=run)
