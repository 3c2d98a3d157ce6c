"""Mark an open repair promise kept, partly kept or missed from the dashboard.

Goes through PATCH /api/v1/commitments/<id> in-process, with the version the page
showed, so a promise the voice loop marked meanwhile is not overwritten (409).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from server.web import bp
from server.web.api_client import ApiMissing, call_api, error_message

OUTCOMES = {"kept": "kept", "partly": "partly kept", "missed": "missed"}


@bp.post("/promises/<int:commitment_id>")
def promise_outcome(commitment_id: int):
    status = request.form.get("status", "")
    if status not in OUTCOMES:
        flash("Choose kept, partly or missed.", "error")
        return redirect(url_for("web.dashboard"), 303)
    body: dict = {"status": status}
    version = request.form.get("version", "")
    if version.isdigit():
        body["version"] = int(version)
    try:
        code, data = call_api("PATCH", f"/commitments/{commitment_id}", body)
    except ApiMissing:  # an id no API route takes (0, or past 2**63): no such promise, not a 500
        code, data = 404, {"error": {"message": "No such promise."}}
    if code >= 400:
        flash(error_message(data), "error")
    else:
        flash(f"Marked as {OUTCOMES[status]}: {data.get('what', '')}", "info")
    return redirect(url_for("web.dashboard"), 303)
