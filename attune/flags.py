"""The settings flags every subcommand shares, and settings read from them."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Mapping

from attune import paths
from attune.settings import Check, LoadedSettings, load_settings

SETTING_FLAGS = ("host", "port", "db_path", "partners", "locale", "time_scale", "server_url", "lan",
                 "input_device", "output_device", "voice", "voice_rate", "voice_volume")
"""Settings that a subcommand may take as a flag of the same name (flags beat env and file)."""


def add_settings_flags(parser: argparse.ArgumentParser, *, server: bool = True) -> None:
    """Flags shared by every subcommand that needs settings (flags beat env and file)."""
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help=f"settings TOML file (default: $ATTUNE_CONFIG or {paths.default_config_path()})")
    if server:
        add_bind_flags(parser)
    parser.add_argument("--partners", metavar="A,B", help="the two partners' names, e.g. 'Alex,Sam'")
    parser.add_argument("--locale", help="language of prompts and phrases (default en)")


def add_bind_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (default 5317)")
    parser.add_argument("--db", dest="db_path", metavar="PATH",
                        help=f"SQLite database file (default: {paths.default_data_dir() / 'attune.sqlite3'})")


def settings_from_args(args: argparse.Namespace, checks: Mapping[str, Check] | None = None) -> LoadedSettings:
    flags = {name: getattr(args, name, None) for name in SETTING_FLAGS}
    return load_settings(flags=flags, config_path=getattr(args, "config", None), checks=checks)
