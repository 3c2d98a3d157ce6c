"""Settings for the voice loop, and the audio options of `attune listen`."""

from __future__ import annotations

import argparse
from dataclasses import replace

from attune.flags import settings_from_args
from attune.settings import with_overrides
from voice.client import ClientError, ServerUnavailable


SPEECH_SETTINGS = ("voice", "voice_rate", "voice_volume")


def loop_settings(args: argparse.Namespace, client=None):
    """Settings for the loop; the voice comes from the service (edited on the web page) unless a flag set it."""
    loaded = settings_from_args(args)
    wake = {k: v for k, v in (("wake_phrases", getattr(args, "wake_phrase", None)),
                              ("wake_threshold", getattr(args, "wake_threshold", None)),
                              ("addressed_s", getattr(args, "addressed_seconds", None))) if v is not None}
    if wake:  # flags beat the file and the environment, as for every other setting
        loaded = replace(loaded, settings=with_overrides(loaded.settings, **wake))
    if client is None:
        return loaded.settings
    try:
        served = client.settings()
    except (ServerUnavailable, ClientError, ValueError):
        return loaded.settings
    changes = {k: served[k] for k in SPEECH_SETTINGS
               if k in served and loaded.sources.get(k) != "flag" and served[k] is not None}
    try:
        return replace(loaded.settings, **changes)
    except (TypeError, ValueError):
        return loaded.settings


def register(sub: argparse._SubParsersAction) -> None:
    """Add the audio options of `listen` (its parser is already registered)."""
    from voice.audio_loop import add_audio_arguments

    listen_parser = sub.choices.get("listen")
    if listen_parser is not None:
        add_audio_arguments(listen_parser)
