"""`attune listen` and `attune run`: the hands-free loop, a client of the state service."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add `listen` and `run`."""
