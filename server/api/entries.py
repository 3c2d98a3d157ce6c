"""Entries: what a partner said (feelings, needs, requests, appreciations, answers...).

Each entry belongs to one partner and is private or shared. A private entry is
listed only to a request that names its owner (`?as=Name` or `X-Attune-Partner`; on a
paired phone, its partner); to anyone else it does not exist (404). Its words are sealed
(server.vault): once the owner has a passcode they show only with an unlock, otherwise
the entry shows its date and kind with `value: null, locked: true`.
"""

from __future__ import annotations

from server.api import bp
from server.api.common import (expected_version, not_found, partner_or_400, reading_keys, session_or_400,
                               store, versioned, viewer_id, visible_page)
from server.api.idempotency import idempotent
from server.errors import ApiError
from server.api.validation import Bool, Id, Int, PartnerRef, Str, Timestamp, json_body, query
from server.store import ENTRY_KINDS

STEP = Str(max_len=80, multiline=False, nullable=True)
CREATE_BODY = {
    "partner": PartnerRef(required=True),
    "kind": Str(required=True, choices=ENTRY_KINDS),
    "value": Str(required=True),
    "session_id": Id(nullable=True),
    "step": STEP,
    "private": Bool(default=False),
}
PATCH_BODY = {
    "partner": PartnerRef(),
    "kind": Str(choices=ENTRY_KINDS),
    "value": Str(),
    "step": STEP,
    "private": Bool(),
    "version": Id(),
}
LIST_QUERY = {
    "session_id": Id(),
    "partner": PartnerRef(),
    "kind": Str(choices=ENTRY_KINDS),
    "since": Timestamp(),
    "until": Timestamp(end_of_day=True),
    "limit": Int(minimum=1, maximum=1000, default=200),
    "offset": Int(maximum=1_000_000, default=0),
}


def visible_entry(entry_id: int) -> dict:
    entry = store().get_entry(entry_id, reading_keys(), viewer_id())
    if entry is None or (entry["private"] and entry["partner_id"] != viewer_id()):
        raise not_found("entry", entry_id)
    return entry


@bp.get("/entries")
def list_entries():
    return visible_page(query(LIST_QUERY), "entries", store().list_entries, store().count_entries)


@bp.post("/entries")
@idempotent
def create_entry():
    body = json_body(CREATE_BODY)
    partner = partner_or_400(body["partner"])
    entry = store().add_entry(session_or_400(body.get("session_id")), partner["id"], body["kind"],
                              body["value"], step=body.get("step"), private=body["private"])
    return versioned(entry, 201)


@bp.get("/entries/<id:entry_id>")
def get_entry(entry_id: int):
    query({})
    return versioned(visible_entry(entry_id))


@bp.patch("/entries/<id:entry_id>")
@idempotent
def patch_entry(entry_id: int):
    body = json_body(PATCH_BODY, partial=True, min_fields=1)
    entry = visible_entry(entry_id)
    if "private" in body and entry["partner_id"] != viewer_id():
        raise ApiError(403, f"private: only {entry['partner']} can change who sees this entry"
                            f" (send ?as={entry['partner']})", "private", "not_owner")
    version = expected_version(body)
    changes = {k: v for k, v in body.items() if k not in ("version", "partner")}
    if "partner" in body:
        owner = partner_or_400(body["partner"])
        if entry["private"] and entry["partner_id"] != viewer_id():
            raise ApiError(403, f"partner: only {entry['partner']} can move a private entry"
                                f" (send ?as={entry['partner']})", "partner", "not_owner")
        changes["partner_id"] = owner["id"]
    if not changes:
        raise ApiError(400, "body: nothing to change (partner, kind, value, step or private)", "body", "required")
    with store().db.write():  # the change and its audit rows commit together
        updated = store().update_entry(entry_id, changes, expected_version=version, keys=reading_keys())
        for action in _actions(entry, changes):
            store().log_entry_change(entry_id, action, viewer_id())
    return versioned(updated)


def _actions(entry: dict, changes: dict) -> list[str]:
    """The kinds of change a PATCH made, for the audit log (a field set to what it was is no change)."""
    changed = {k for k, v in changes.items() if entry.get(k) != v}
    return [action for action, fields in (("move", {"partner_id"}), ("edit", {"value", "kind", "step"}),
                                          ("privacy", {"private"})) if changed & fields]


@bp.get("/entry-changes")
def list_entry_changes():
    """The audit log of single-entry edits, moves and deletes (no words), newest first."""
    args = query({"entry_id": Id(), "limit": Int(minimum=1, maximum=1000, default=200)})
    return {"changes": store().entry_changes(args.get("entry_id"), args["limit"])}


@bp.delete("/entries/<id:entry_id>")
@idempotent
def delete_entry(entry_id: int):
    visible_entry(entry_id)
    with store().db.write():
        store().delete_entry(entry_id, expected_version=expected_version())
        store().log_entry_change(entry_id, "delete", viewer_id())
    return "", 204
