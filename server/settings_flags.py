"""The settings flags every subcommand shares, and the settings they make (flags beat env and file)."""

from __future__ import annotations

import argparse
from pathlib import Path

from server.settings import LoadedSettings, default_config_path, default_data_dir, load_settings


def add_settings_flags(parser: argparse.ArgumentParser, *, server: bool = True) -> None:
    """Flags shared by every subcommand that needs settings (flags beat env and file)."""
    parser.add_argument("--config", type=Path, metavar="FILE",
                        help=f"settings TOML file (default: $ATTUNE_CONFIG or {default_config_path()})")
    if server:
        parser.add_argument("--host", help="address to bind (default 127.0.0.1)")
        parser.add_argument("--port", type=int, help="TCP port (default 5317)")
        parser.add_argument("--db", dest="db_path", metavar="PATH",
                            help=f"SQLite database file (default: {default_data_dir() / 'attune.sqlite3'})")
    parser.add_argument("--partners", metavar="A,B", help="the two partners' names, e.g. 'Alex,Sam'")
    parser.add_argument("--locale", help="language of prompts and phrases (default en)")


SETTING_FLAGS = ("host", "port", "db_path", "partners", "locale", "time_scale", "server_url", "lan",
                 "input_device", "output_device", "voice", "voice_rate", "voice_volume")


def settings_from_args(args: argparse.Namespace) -> LoadedSettings:
    flags = {name: getattr(args, name, None) for name in SETTING_FLAGS}
    return load_settings(flags=flags, config_path=getattr(args, "config", None))
