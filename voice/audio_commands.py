"""`attune hear`, `attune models`, `attune devices`, `attune say`: audio tools."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add `hear`, `models`, `devices` and `say`."""
