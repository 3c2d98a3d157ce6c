"""The `attune` command: one console script whose subcommands come from each package.

Each package registers its own subcommands (`register(subparsers)`), and each
handler imports what it needs lazily, so `attune serve` never loads audio code
and `attune parse` never loads Flask.
"""

from __future__ import annotations

import argparse
import sys

from server.settings import SettingsError


def build_parser() -> argparse.ArgumentParser:
    from intents import cli as intents_cli
    from server import cli as server_cli
    from voice import commands as voice_commands

    parser = argparse.ArgumentParser(
        prog="attune",
        description=(
            "attune: an offline, hands-free voice assistant for couples. "
            "It runs a nightly 10-minute debrief, offers repair phrases, and keeps "
            "promises, needs and rituals in a local database that never leaves this machine."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    server_cli.register(sub)
    intents_cli.register(sub)
    voice_commands.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except SettingsError as exc:
        print(f"attune: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
