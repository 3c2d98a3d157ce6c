"""Correct one entry from the History page: edit its words, move it to the other partner, or delete it.

Goes through PATCH/DELETE /api/v1/entries/<id> in-process, as the partner the page is viewing as,
with the version the page showed; the API logs each change (kind, when, who; never the words).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for

from server.web import bp, partners, safe_next, viewer
from server.web.api_client import ApiMissing, call_api, error_message

ACTIONS = ("edit", "move", "delete")


@bp.post("/entries/<int:entry_id>")
def entry_change(entry_id: int):
    back = safe_next(request.form.get("next"), url_for("web.history"))
    action = request.form.get("action", "")
    if action not in ACTIONS:
        flash("Choose save, move or delete.", "error")
        return redirect(back, 303)
    partner_list = partners()
    me = viewer(partner_list)
    path = f"/entries/{entry_id}" + (f"?as={me['name']}" if me else "")
    body: dict = {}
    version = request.form.get("version", "")
    if version.isdigit():
        body["version"] = int(version)
    if action == "edit":
        body["value"] = " ".join(request.form.get("value", "").split())
    elif action == "move":
        target = request.form.get("to", "")
        found = next((p for p in partner_list if str(p["id"]) == target), None)
        if found is None:
            flash("Choose whose entry it is.", "error")
            return redirect(back, 303)
        body["partner"] = found["id"]
    try:
        if action == "delete":
            code, data = call_api("DELETE", path)
        else:
            code, data = call_api("PATCH", path, body)
    except ApiMissing:  # an id no API route takes: no such entry, not a 500
        code, data = 404, {"error": {"message": "No such entry."}}
    if code >= 400:
        flash(error_message(data), "error")
    else:
        done = {"edit": "Saved the change.", "move": f"Moved to {data.get('partner', 'the other partner')}.",
                "delete": "Deleted."}
        flash(done[action], "info")
    return redirect(back, 303)
