"""The `attune` command: one console script whose subcommands come from each package.

Each package registers its own subcommands (`register(subparsers)`), and each handler
imports what it needs, so `attune serve` never loads audio code and `attune parse` never
loads Flask. `attune run` and `attune paths` belong to no one package, so they live here.
"""

from __future__ import annotations

import argparse
import sys

from attune import __version__, parse, paths, run
from attune.flags import add_settings_flags, settings_from_args
from attune.settings import SettingsError
from server import cli as server_cli
from server import passcode_cli
from voice import cli as voice_cli

def show_paths(args: argparse.Namespace) -> int:
    """Where this attune keeps its files, as the settings in force say."""
    settings = settings_from_args(args).settings
    print(f"settings file  {getattr(args, 'config', None) or paths.config_path()}")
    print(f"database       {settings.db_path}")
    print(f"data folder    {settings.db_path.parent}  (journal, certificate, keys)")
    print(f"models         {paths.models_dir()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="attune",
        description=(
            "attune: an offline, hands-free voice assistant for couples. "
            "It runs a nightly 10-minute debrief, offers repair phrases, and keeps "
            "promises, needs and rituals in a local database that never leaves this machine."
        ),
    )
    parser.add_argument("--version", action="version", version=f"attune {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    server_cli.register(sub)
    passcode_cli.register(sub)
    parse.register(sub)
    voice_cli.register(sub)
    run.register(sub)
    where = sub.add_parser("paths", help="show where the settings file, the data and the models are",
                           description="Print the settings file, database, data folder and models folder "
                                       "that the settings in force point to.")
    add_settings_flags(where)
    where.set_defaults(handler=show_paths)
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
