"""Voice subcommands of `attune`: the loop (listen, run) and the audio tools (hear, models, devices, say)."""

from __future__ import annotations

import argparse

from voice import listen as loop_commands, tools as audio_commands


def register(sub: argparse._SubParsersAction) -> None:
    """Add the voice subcommands to the `attune` parser."""
    loop_commands.register(sub)
    audio_commands.register(sub)
