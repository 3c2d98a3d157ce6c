"""Voice subcommands of `attune` (listen, hear, run, models, devices, say)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the voice subcommands to the `attune` parser."""
