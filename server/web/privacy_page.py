"""Privacy on the page: passcodes, unlocking, phones (pairing, revoking), export with passcodes, the log.

Forms call the privacy API in-process (same validation, rate limits and log); an unlock's
token goes into an HttpOnly cookie. Pairing a phone shows a QR code for a one-time link
(server.api.privacy); the phone opens /pair/<token> on the HTTPS home-network listener.
"""

from __future__ import annotations

from flask import current_app, flash, g, make_response, redirect, render_template, request, session, url_for

from server.api.common import UNLOCK_COOKIE, unlocked
from server.api.export import export_response
from server.api.privacy import verify
from server.errors import ApiError
from server.privacy import DEVICE_COOKIE, DEVICE_COOKIE_DAYS, on_lan, pairing, set_cookie, set_unlock_cookie
from server.web import bp, partners
from server.web.api_client import call_api, error_message


def _client() -> str:
    return request.remote_addr or "?"


@bp.app_template_global()
def privacy_state() -> dict:
    """What the privacy page and the settings page show."""
    _, status = call_api("GET", "/privacy")
    lan_url = current_app.config.get("ATTUNE_LAN_URL")
    main = not on_lan()
    return {"status": status, "lan_url": lan_url, "fingerprint": current_app.config.get("ATTUNE_LAN_FINGERPRINT"),
            "devices": pairing().devices() if main else [],
            "log": current_app.extensions["attune.store"].vault.events(30) if main else [],
            "device_partner": g.get("device") and g.device["partner"]}


@bp.get("/privacy")
def privacy():
    return render_template("privacy.html")


def _flash_error(status: int, data: dict) -> None:
    flash(error_message(data), "error")


def _call_and_say(method: str, path: str, body: dict | None, say, anchor: str = ""):
    """Call the API, flash its error or `say(answer)`, and go back to the Privacy page."""
    status, data = call_api(method, path, body)
    if status >= 400:
        _flash_error(status, data)
    else:
        flash(say(data), "info")
    return redirect(url_for("web.privacy") + anchor, 303)


@bp.post("/privacy/passcode")
def privacy_passcode():
    form = request.form
    new = form.get("passcode", "")
    if new != form.get("confirm", ""):
        flash("The two new passcodes differ; nothing was changed.", "error")
        return redirect(url_for("web.privacy"), 303)
    body = {"partner": form.get("partner", ""), "passcode": new, "current": form.get("current") or None}
    return _call_and_say("PUT", "/privacy/passcode", body,
                         lambda data: f"{data['partner']}'s passcode is set. {data['warning']}")


@bp.post("/privacy/forget")
def privacy_forget():
    body = {"partner": request.form.get("partner", ""), "confirm": request.form.get("confirm", "").strip().lower()}
    return _call_and_say("DELETE", "/privacy/passcode", body,
                         lambda data: f"{data['partner']}'s passcode and {data['deleted']} private entries"
                                      " were deleted.")


@bp.post("/privacy/unlock")
def privacy_unlock():
    body = {"partner": request.form.get("partner", ""), "passcode": request.form.get("passcode", "")}
    status, data = call_api("POST", "/privacy/unlock", body)
    if status >= 400:
        _flash_error(status, data)
        return redirect(url_for("web.privacy"), 303)
    me = next((p for p in partners() if p["name"] == data["partner"]), None)
    session["viewer"] = me["id"] if me else None  # the one who unlocked is the one viewing
    minutes = current_app.config["ATTUNE_SETTINGS"].unlock_minutes
    flash(f"{data['partner']}'s private entries are open on this browser for {minutes} minutes;"
          " lock them sooner on the Privacy page when you are done.", "info")
    response = make_response(redirect(url_for("web.history"), 303))
    set_unlock_cookie(response, data["token"], data["expires_at"])
    return response


@bp.post("/privacy/lock")
def privacy_lock():
    found = unlocked()
    if found is not None:
        current_app.extensions["attune.store"].vault.lock(token=request.cookies.get(UNLOCK_COOKIE))
    flash("Private entries are locked again.", "info")
    response = make_response(redirect(url_for("web.privacy"), 303))
    response.delete_cookie(UNLOCK_COOKIE, path="/")
    return response


@bp.post("/privacy/pair")
def privacy_pair():
    status, data = call_api("POST", "/pairing", {"partner": request.form.get("partner", "")})
    if status >= 400:
        _flash_error(status, data)
        return redirect(url_for("web.privacy") + "#phones", 303)
    return render_template("privacy.html", link=data)


@bp.post("/privacy/devices/<id:device_id>/revoke")
def privacy_revoke(device_id: int):
    return _call_and_say("DELETE", f"/devices/{device_id}", None, lambda data: "That phone is no longer paired.",
                         "#phones")


@bp.post("/data/export")
def data_export():
    """The export, with the private entries of each partner who typed their passcode."""
    passcodes = {p["name"]: request.form.get(f"passcode_{p['id']}", "") for p in partners()}
    passcodes = {name: code for name, code in passcodes.items() if code}
    fmt = request.form.get("format", "json")
    keys = {}
    try:
        for p in partners():
            if p["name"] in passcodes:
                keys[p["id"]] = verify(p, passcodes[p["name"]])
    except ApiError as error:
        flash(f"{error.message}. Nothing was exported.", "error")
        return redirect(url_for("web.data"), 303)
    return export_response(fmt if fmt in ("json", "csv") else "json", keys)


# -- pairing, on the phone ----------------------------------------------------------------------
def _refused(message: str, status: int):
    return render_template("pair.html", error=message), status


@bp.get("/pair/<token>")
def pair(token: str):
    if not on_lan():
        return _refused("Open this link on the phone you are pairing (it works on the home network only).", 400)
    wait = pairing().wait_s(_client())
    if wait > 0:
        return _refused(f"Too many wrong pairing links from this device. Try again in {int(wait) + 1} s.", 429)
    partner_id = pairing().link_partner(token)
    if partner_id is None:
        pairing().miss(_client())
        return _refused("This pairing link is unknown, used or expired. Ask for a new code on the main machine.", 404)
    name = next((p["name"] for p in partners() if p["id"] == partner_id), "?")
    return render_template("pair.html", token=token, partner=name)


@bp.post("/pair/<token>")
def pair_claim(token: str):
    if not on_lan():
        return _refused("Open this link on the phone you are pairing (it works on the home network only).", 400)
    wait = pairing().wait_s(_client())
    if wait > 0:
        return _refused(f"Too many wrong pairing links from this device. Try again in {int(wait) + 1} s.", 429)
    label = " ".join(request.form.get("label", "").split())[:60] or "phone"
    claimed = pairing().claim(token, label)
    if claimed is None:
        pairing().miss(_client())
        return _refused("This pairing link is unknown, used or expired. Ask for a new code on the main machine.", 404)
    device_token, device = claimed
    flash(f"This phone is now {device['partner']}'s. What you type or tap here is yours.", "info")
    response = make_response(redirect(url_for("web.routine"), 303))
    set_cookie(response, DEVICE_COOKIE, device_token, DEVICE_COOKIE_DAYS * 86400)
    return response
