"""Passcodes, unlocks, export with passcodes, paired phones and pairing links.

Passcodes and the key they open never reach a log or the database: only the wrapped key
(server.vault) and the security log's "wrong passcode for Sam" lines do. Paired phones and
pairing links are managed from the main machine only (server.privacy refuses them on the LAN).
"""

from __future__ import annotations

from flask import current_app, g, jsonify, request

from server.api import bp
from server.api.common import UNLOCK_COOKIE, partner_or_400, store, unlocked
from server.api.export import export_response
from server.api.validation import Str, json_body, query
from server.errors import ApiError
from server.vault import FORGOTTEN, check_passcode_shape

PASSCODE = Str(required=True, max_len=200, multiline=False)


def _own_partner(ref: str) -> dict:
    """The partner named in the body; on a paired phone only its own partner."""
    partner = partner_or_400(ref)
    device = g.get("device_partner_id")
    if device is not None and partner["id"] != device:
        raise ApiError(403, "a paired phone speaks only for its own partner", "partner", "not_this_device")
    return partner


def verify(partner: dict, passcode: str):
    """The partner's opened key; 403 wrong, 429 backing off (with Retry-After)."""
    try:
        return store().vault.verify(partner["id"], partner["name"], passcode)
    except ApiError as error:
        g.retry_after = getattr(error, "retry_after", None)
        raise


def privacy_status() -> dict:
    vault = store().vault
    found = unlocked()
    device = g.get("device")
    return {
        "partners": [{"name": p["name"], "passcode": vault.has_passcode(p["id"]),
                      "unlocked": bool(found and found.partner_id == p["id"])} for p in store().partners()],
        "unlock": ({"partner": store().partner(found.partner_id)["name"], "expires_at": found.expires_at}
                   if found else None),
        "device": {"id": device["id"], "partner": device["partner"], "label": device["label"]} if device else None,
    }


@bp.get("/privacy")
def get_privacy():
    query({})
    return privacy_status()


@bp.put("/privacy/passcode")
def set_passcode():
    """Set or change a partner's passcode (changing needs the current one or an unlock)."""
    body = json_body({"partner": Str(required=True, max_len=40, multiline=False), "passcode": PASSCODE,
                      "current": Str(max_len=200, multiline=False, nullable=True)})
    partner = _own_partner(body["partner"])
    check_passcode_shape(body["passcode"])
    found = unlocked()
    key = found.key if found and found.partner_id == partner["id"] else None
    try:
        store().vault.set_passcode(partner["id"], partner["name"], body["passcode"], body.get("current"), key)
    except ApiError as error:
        g.retry_after = getattr(error, "retry_after", None)
        raise
    return {"partner": partner["name"], "passcode": True, "warning": FORGOTTEN}


FORGET_PHRASE = "delete my private entries"


@bp.delete("/privacy/passcode")
def forget_passcode():
    """A forgotten passcode: delete the partner's private entries and passcode, so they can start over."""
    body = json_body({"partner": Str(required=True, max_len=40, multiline=False),
                      "confirm": Str(required=True, max_len=40, multiline=False)})
    partner = _own_partner(body["partner"])
    if body["confirm"] != FORGET_PHRASE:
        raise ApiError(400, f"confirm must be exactly '{FORGET_PHRASE}'", "confirm", "invalid")
    deleted = store().vault.forget(partner["id"], partner["name"])
    return {"partner": partner["name"], "passcode": False, "deleted": deleted}


@bp.post("/privacy/unlock")
def unlock():
    """Open a partner's private entries for `unlock_minutes`: a token, also set as an HttpOnly cookie."""
    body = json_body({"partner": Str(required=True, max_len=40, multiline=False), "passcode": PASSCODE})
    partner = _own_partner(body["partner"])
    key = verify(partner, body["passcode"])
    token, expires = store().vault.open_session(partner["id"], key)
    from server.privacy import set_unlock_cookie

    response = jsonify({"partner": partner["name"], "token": token, "expires_at": expires})
    set_unlock_cookie(response, token, expires)
    return response


@bp.post("/privacy/lock")
def lock():
    """End this request's unlock (idempotent)."""
    token = request.headers.get("X-Attune-Unlock") or request.cookies.get(UNLOCK_COOKIE)
    if token:
        store().vault.lock(token=token)
    response = jsonify({"locked": True})
    response.delete_cookie(UNLOCK_COOKIE, path="/")
    return response


@bp.post("/export")
def export_with_passcodes():
    """The export, with the private entries of each partner whose passcode is given here."""
    body = json_body({"format": Str(choices=("json", "csv"), default="json"),
                      "passcodes": PasscodeMap(nullable=True)})
    keys = {}
    for name, passcode in (body.get("passcodes") or {}).items():
        partner = _own_partner(name)
        keys[partner["id"]] = verify(partner, passcode)
    return export_response(body["format"], keys)


class PasscodeMap(Str):
    """{partner name: passcode}, at most two."""

    def convert(self, value, field):
        if not isinstance(value, dict) or len(value) > 2:
            raise ApiError(400, f"{field}: an object of at most two partner names and passcodes", field, "invalid")
        return {Str(max_len=40, multiline=False).convert(k, field): PASSCODE.convert(v, f"{field}.{k}")
                for k, v in value.items()}


# -- paired phones (main machine only) ---------------------------------------------------------
@bp.get("/devices")
def list_devices():
    query({})
    return {"devices": current_app.extensions["attune.pairing"].devices()}


@bp.delete("/devices/<id:device_id>")
def revoke_device(device_id: int):
    if current_app.extensions["attune.pairing"].revoke(device_id) is None:
        raise ApiError(404, f"no device {device_id}", "id", "not_found")
    return "", 204


@bp.post("/pairing")
def new_pairing_link():
    """A one-time link (and its QR code) that pairs a phone to one partner; 409 unless `lan` is on."""
    body = json_body({"partner": Str(required=True, max_len=40, multiline=False)})
    partner = partner_or_400(body["partner"])
    base = current_app.config.get("ATTUNE_LAN_URL")
    if not base:
        raise ApiError(409, "phones need the home-network listener: start attune with --lan (setting lan = true)",
                       "lan", "lan_off")
    token, expires = current_app.extensions["attune.pairing"].new_link(partner["id"], partner["name"])
    url = f"{base}/pair/{token}"
    return {"partner": partner["name"], "url": url, "expires_at": expires, "qr_svg": qr_svg(url)}, 201


def qr_svg(url: str) -> str:
    import segno

    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)

