"""The ritual log: small daily rituals of connection (a walk, a six-second kiss...)."""

from __future__ import annotations

from server.api import bp
from server.api.common import optional_partner_id, store
from server.api.idempotency import idempotent
from server.api.validation import Int, PartnerRef, Str, Timestamp, json_body, query

CREATE_BODY = {
    "ritual": Str(required=True, max_len=40, multiline=False),
    "partner": PartnerRef(nullable=True),
    "note": Str(max_len=500, nullable=True),
}
LIST_QUERY = {
    "ritual": Str(max_len=40),
    "since": Timestamp(),
    "until": Timestamp(end_of_day=True),
    "limit": Int(minimum=1, maximum=1000, default=200),
    "offset": Int(maximum=1_000_000, default=0),
}


@bp.get("/ritual-log")
def list_rituals():
    return {"rituals": store().rituals(**query(LIST_QUERY))}


@bp.post("/ritual-log")
@idempotent
def log_ritual():
    body = json_body(CREATE_BODY)
    logged = store().log_ritual(body["ritual"], optional_partner_id(body.get("partner")), body.get("note"))
    return logged, 201
