"""Partners: the two people, in turn order. Their names are the `partners` setting."""

from __future__ import annotations

from server.api import bp
from server.api.common import not_found, store
from server.api.idempotency import idempotent
from server.api.settings import change_settings
from server.api.validation import Str, json_body, query


@bp.get("/partners")
def list_partners():
    query({})
    return {"partners": store().partners()}


@bp.get("/partners/<id:partner_id>")
def get_partner(partner_id: int):
    query({})
    partner = store().partner(partner_id)
    if partner is None:
        raise not_found("partner", partner_id)
    return partner


@bp.patch("/partners/<id:partner_id>")
@idempotent
def rename_partner(partner_id: int):
    """Rename one partner (their entries stay theirs); 409 if the names are locked by file/env/flag."""
    body = json_body({"name": Str(required=True, max_len=40, multiline=False)})
    partner = store().partner(partner_id)
    if partner is None:
        raise not_found("partner", partner_id)
    names = [p["name"] for p in store().partners()]
    names[partner["slot"] - 1] = body["name"]
    change_settings({"partners": names})
    return store().partner(partner_id)
