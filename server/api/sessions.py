"""Sessions: one run of a routine (debrief, repair, inventory, timeout, weekly review).

Routines start and drive sessions through /routines and /events; this module
lists and reads them (with their entries and promises), records a session held
without attune, marks one ended, and deletes one.
"""

from __future__ import annotations

from server.api import bp
from server.api.common import expected_version, not_found, reading_keys, store, versioned, viewer_id, visible_page
from server.api.idempotency import idempotent
from server.api.validation import Id, Int, Json, PartnerRef, Str, Timestamp, json_body, query
from intents.names import ROUTINES
from server.store import ENDED_STATUSES, SESSION_STATUSES

LIST_QUERY = {
    "routine": Str(choices=ROUTINES),
    "status": Str(choices=SESSION_STATUSES),
    "partner": PartnerRef(),
    "since": Timestamp(),
    "until": Timestamp(end_of_day=True),
    "limit": Int(minimum=1, maximum=500, default=50),
    "offset": Int(maximum=1_000_000, default=0),
}
CREATE_BODY = {
    "routine": Str(required=True, choices=ROUTINES),
    "status": Str(choices=sorted(ENDED_STATUSES), default="completed"),
    "state": Json(default={}),
}
PATCH_BODY = {
    "status": Str(required=True, choices=sorted(ENDED_STATUSES)),
    "version": Id(),
}


def session_detail(session_id: int) -> dict:
    session = store().get_session(session_id)
    if session is None:
        raise not_found("session", session_id)
    session["entries"] = store().session_entries(session_id, viewer_id=viewer_id(), keys=reading_keys())
    session["commitments"] = store().list_commitments(session_id=session_id)
    return session


@bp.get("/sessions")
def list_sessions():
    return visible_page(query(LIST_QUERY), "sessions", store().list_sessions, store().count_sessions)


@bp.post("/sessions")
@idempotent
def create_session():
    """Record a session that already happened (to run a routine, POST /routines)."""
    body = json_body(CREATE_BODY)
    session = store().create_session(body["routine"], body["state"], status=body["status"])
    return versioned(session_detail(session["id"]), 201)


@bp.get("/sessions/<id:session_id>")
def get_session(session_id: int):
    query({})
    return versioned(session_detail(session_id))


@bp.patch("/sessions/<id:session_id>")
@idempotent
def end_session(session_id: int):
    body = json_body(PATCH_BODY)
    store().update_session(session_id, None, status=body["status"], expected_version=expected_version(body))
    return versioned(session_detail(session_id))


@bp.delete("/sessions/<id:session_id>")
@idempotent
def delete_session(session_id: int):
    store().delete_session(session_id, expected_version=expected_version())
    return "", 204
