"""The voice loop's listening state, in memory: the loop PUTs it on every change, the page GETs it.

States: idle (only the wake phrase is heard), addressed (the next utterance is taken without the
wake phrase), talking (a talking segment: only the wake phrase), open (`--no-wake`: everything is
heard), off (no voice loop has reported, or it stopped). Nothing said is stored here.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from flask import current_app

from server.api import bp
from server.api.validation import List, Num, Str, json_body

STATES = ("off", "idle", "addressed", "talking", "open")
PUT_BODY = {
    "state": Str(required=True, choices=STATES),
    "wake_phrases": List(Str(max_len=40, multiline=False), max_items=5, default=[]),
    "addressed_remaining_s": Num(minimum=0, maximum=3600, default=0),
    "reason": Str(max_len=20, multiline=False, nullable=True, choices=("wake", "question"), default=None),
}
_LOCK = threading.Lock()
LABELS = {
    "off": "voice loop not running",
    "idle": 'waiting for "{phrase}"',
    "addressed": "listening to you",
    "talking": 'talking segment: only "{phrase}" reaches attune',
    "open": "hearing every word (--no-wake)",
}
"""How the page words each state ({phrase}: the first wake phrase)."""


def _clock() -> float:
    clock = current_app.extensions.get("attune.clock") or current_app.config.get("ATTUNE_CLOCK", time.time)
    return float(clock())


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1000):03d}Z"


def current() -> dict[str, Any]:
    """The last reported state ({"state": "off", ...} until a loop reports)."""
    with _LOCK:
        held = current_app.extensions.get("attune.listening")
        return dict(held) if held else {"state": "off", "wake_phrases": [], "addressed_remaining_s": 0,
                                        "reason": None, "updated_at": None}


@bp.get("/listening")
def get_listening():
    return current()


@bp.put("/listening")
def put_listening():
    body = json_body(PUT_BODY)
    state = {"state": body["state"], "wake_phrases": body.get("wake_phrases") or [],
             "addressed_remaining_s": body.get("addressed_remaining_s") or 0, "reason": body.get("reason"),
             "updated_at": _iso(_clock())}
    with _LOCK:
        current_app.extensions["attune.listening"] = state
    return state


def label(state: dict[str, Any]) -> str:
    phrases = state.get("wake_phrases") or ["attune"]
    return LABELS.get(state.get("state"), LABELS["off"]).format(phrase=phrases[0])


@bp.app_context_processor
def listening_context() -> dict[str, Any]:
    """`listening()` for templates (the live partial shows it; app.js keeps it current)."""
    return {"listening": lambda: {**current(), "label": label(current())}, "listening_labels": LABELS}
