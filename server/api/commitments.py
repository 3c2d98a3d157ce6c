"""Repair commitments: a specific promise, by whom, due when, and whether it was kept."""

from __future__ import annotations

from server.api import bp
from server.api.common import (expected_version, not_found, optional_partner_id, partner_or_400,
                               session_or_400, store, versioned)
from server.api.idempotency import idempotent
from server.api.validation import Id, Int, PartnerRef, Str, Timestamp, json_body, query
from server.errors import ApiError
from server.store import COMMITMENT_STATUSES

WHAT = Str(max_len=500)
CREATE_BODY = {
    "partner": PartnerRef(required=True),
    "what": Str(required=True, max_len=500),
    "due_at": Timestamp(nullable=True),
    "session_id": Id(nullable=True),
}
PATCH_BODY = {
    "status": Str(choices=COMMITMENT_STATUSES),
    "what": WHAT,
    "due_at": Timestamp(nullable=True),
    "version": Id(),
}
LIST_QUERY = {
    "status": Str(choices=COMMITMENT_STATUSES),
    "partner": PartnerRef(),
    "session_id": Id(),
    "due_before": Timestamp(),
    "limit": Int(minimum=1, maximum=500, default=100),
    "offset": Int(maximum=1_000_000, default=0),
}


def commitment_or_404(commitment_id: int) -> dict:
    found = store().get_commitment(commitment_id)
    if found is None:
        raise not_found("commitment", commitment_id)
    return found


@bp.get("/commitments")
def list_commitments():
    args = query(LIST_QUERY)
    if "partner" in args:
        args["partner_id"] = optional_partner_id(args.pop("partner"))
    return {"commitments": store().list_commitments(**args)}


@bp.post("/commitments")
@idempotent
def create_commitment():
    body = json_body(CREATE_BODY)
    partner = partner_or_400(body["partner"])
    made = store().add_commitment(partner["id"], body["what"], due_at=body.get("due_at"),
                                  session_id=session_or_400(body.get("session_id")))
    return versioned(made, 201)


@bp.get("/commitments/<id:commitment_id>")
def get_commitment(commitment_id: int):
    query({})
    return versioned(commitment_or_404(commitment_id))


@bp.patch("/commitments/<id:commitment_id>")
@idempotent
def patch_commitment(commitment_id: int):
    body = json_body(PATCH_BODY, partial=True)
    commitment_or_404(commitment_id)
    version = expected_version(body)
    changes = {k: v for k, v in body.items() if k not in ("version", "status")}
    if not changes and "status" not in body:
        raise ApiError(400, "body: nothing to change (status, what or due_at)", "body", "required")
    return versioned(store().update_commitment(commitment_id, body.get("status"), expected_version=version,
                                               **changes))


@bp.delete("/commitments/<id:commitment_id>")
@idempotent
def delete_commitment(commitment_id: int):
    store().delete_commitment(commitment_id, expected_version=expected_version())
    return "", 204
