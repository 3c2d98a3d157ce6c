"""Voice subcommands of `attune`: the loop (listen) and the audio tools (hear, models, devices, say)."""

from __future__ import annotations

import argparse

from voice import audio_commands, loop_commands, run_command


def register(sub: argparse._SubParsersAction) -> None:
    """Add the voice subcommands to the `attune` parser."""
    loop_commands.register(sub)
    run_command.register(sub)  # the audio options of `listen`
    audio_commands.register(sub)
