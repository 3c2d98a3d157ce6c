"""`attune parse`: match sentences to intents and print JSON."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `parse` subcommand to the `attune` parser."""
