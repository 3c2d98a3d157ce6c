"""Routines over HTTP: start one, post events, read the current step and what attune said.

Thin: validation here, everything else in `server.runner.Runner` (one transaction per call).
The routine clock is the app's clock (`app.extensions["attune.clock"]`).
"""

from __future__ import annotations

import time

from flask import current_app, g

from server.api import bp
from server.api.idempotency import idempotent
from server.api.validation import Int, Num, PartnerRef, Spec, Str, json_body, query
from server.errors import ApiError
from intents.names import ROUTINES

SOURCES = ("voice", "web", "cli")


class Slots(Spec):
    """Intent slots: up to 8 string values, names up to 40 characters."""

    def convert(self, value, field):
        if not isinstance(value, dict) or len(value) > 8:
            raise ApiError(400, f"{field}: must be an object of at most 8 slots", field, "invalid")
        out = {}
        for name, item in value.items():
            if not isinstance(name, str) or not 0 < len(name) <= 40:
                raise ApiError(400, f"{field}: slot names are 1 to 40 characters", field, "invalid")
            if item is not None:
                out[name] = Str(max_len=200, multiline=False).convert(item, f"{field}.{name}")
        return out


EVENT_BODY = {
    "intent": Str(max_len=40, multiline=False, pattern=r"[A-Za-z]+", nullable=True),
    "slots": Slots(nullable=True),
    "text": Str(max_len=2000, nullable=True),
    "partner": PartnerRef(nullable=True),
    "source": Str(choices=SOURCES, nullable=True),
    "time_scale": Num(minimum=0.01, maximum=10000, nullable=True),
    "step": Str(max_len=80, multiline=False, nullable=True),
    "version": Int(minimum=1, nullable=True),
}
START_BODY = {
    "routine": Str(required=True, choices=ROUTINES),
    "partner": PartnerRef(nullable=True),
    "time_scale": Num(minimum=0.01, maximum=10000, nullable=True),
}
UTTERANCES_QUERY = {
    "after": Int(default=0),
    "limit": Int(minimum=1, maximum=500, default=200),
}


def runner():
    """The app's Runner (made on first use)."""
    from server.runner import Runner

    found = current_app.extensions.get("attune.runner")
    if found is None:
        clock = current_app.extensions.get("attune.clock") or current_app.config.get("ATTUNE_CLOCK", time.time)
        found = Runner(current_app.extensions["attune.store"], current_app.config["ATTUNE_SETTINGS"], clock)
        current_app.extensions["attune.runner"] = found
    return found


def _partner_name(ref):
    """A partner name from a name or id (400 if unknown); a paired phone is always its own partner."""
    device = g.get("device_partner_id")
    if device is not None:
        return current_app.extensions["attune.store"].partner(device)["name"]
    if ref is None:
        return None
    from server.api.common import partner_or_400

    return partner_or_400(ref)["name"]


@bp.post("/events")
@idempotent
def post_event():
    body = json_body(EVENT_BODY)
    if not body.get("intent") and not (body.get("text") or "").strip():
        raise ApiError(400, "an event needs an intent or text", "intent", "invalid")
    body["partner"] = _partner_name(body.get("partner"))
    return runner().event(body)


@bp.post("/routines")
@idempotent
def start_routine():
    body = json_body(START_BODY)
    return runner().start(body["routine"], _partner_name(body.get("partner")), body.get("time_scale")), 201


@bp.get("/routine")
def current_routine():
    return runner().view()


@bp.get("/utterances")
def list_utterances():
    args = query(UTTERANCES_QUERY)
    return runner().utterances(args["after"], args["limit"])
