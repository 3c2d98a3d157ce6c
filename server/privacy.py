"""The request side of privacy: who a paired phone is, unlock cookies, and what the LAN may reach.

A request through the home-network listener (server.lan marks it) must carry a paired
device's cookie, or it gets a 401 and nothing else; a paired phone is its partner (the
`g.device_partner_id` every view honours) and cannot reach the main machine's controls
(settings, pairing, export, delete). Loopback requests are unchanged.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, request
from flask.sessions import SecureCookieSessionInterface

from server.api.common import UNLOCK_COOKIE, reading_keys, store, unlocked
from server.errors import ApiError
from server.lan import LAN_ENVIRON_KEY
from server.pairing import Pairing
from server.viewer import viewer

DEVICE_COOKIE = "attune_device"
DEVICE_COOKIE_DAYS = 400  # browsers cap cookie lifetimes at about 400 days
LAN_OPEN = ("/assets/", "/pair/")
MAIN_ONLY = ("/settings", "/data", "/privacy/pair", "/privacy/devices", "/api/v1/settings", "/api/v1/data",
             "/api/v1/export", "/api/v1/devices", "/api/v1/pairing", "/api/v1/schedule")
UNPAIRED = ("<!doctype html><meta name=viewport content='width=device-width'><title>attune</title>"
            "<p>This phone is not paired with attune. On the main machine, open Settings, then "
            "Phones, and scan the pairing code.</p>")


def pairing() -> Pairing:
    return current_app.extensions["attune.pairing"]


def on_lan() -> bool:
    return bool(request.environ.get(LAN_ENVIRON_KEY))


class _SessionInterface(SecureCookieSessionInterface):
    """The page's session cookie is Secure whenever it travels over HTTPS (the LAN listener)."""

    def get_cookie_secure(self, app):
        return bool(request and request.is_secure) or super().get_cookie_secure(app)


def set_cookie(response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="Strict",
                        secure=request.is_secure, path="/")


def set_unlock_cookie(response: Response, token: str, expires_at: float) -> None:
    clock = current_app.extensions["attune.clock"]
    set_cookie(response, UNLOCK_COOKIE, token, max(1, int(expires_at - clock())))


def entry_text(entry: dict) -> str | None:
    """An entry's words for a page: a private one's only with its owner's key, else None."""
    sealed = entry.get("sealed")
    if not entry.get("private") or sealed is None:
        return entry.get("value")
    keys = store().reading_keys(_page_viewer_id(), reading_keys())
    key = keys.get(entry["partner_id"])
    return store().vault.open(key, entry["partner_id"], sealed) if key is not None else None


def _page_viewer_id() -> int | None:
    me = viewer()
    return me["id"] if me else None


def export_opener(extra: dict | None = None):
    """An opener for server.export: partners with no passcode, this request's unlock, and `extra` keys."""
    vault = store().vault
    keys = dict(reading_keys())
    keys.update(extra or {})

    def opener(partner_id: int, sealed: bytes) -> str | None:
        key = keys.get(partner_id) or vault.open_key(partner_id)
        return vault.open(key, partner_id, sealed) if key is not None else None

    return opener


def _guard_lan():
    if not on_lan():
        return None
    path = request.path
    if path.startswith(LAN_OPEN):
        return None
    device = pairing().by_token(request.cookies.get(DEVICE_COOKIE))
    if device is None:
        if path.startswith("/api/"):
            raise ApiError(401, "this device is not paired", "device", "unpaired")
        return Response(UNPAIRED, 401, mimetype="text/html")
    g.device_partner_id = device["partner_id"]
    g.device = device
    if path.startswith(MAIN_ONLY) or (path.startswith("/api/v1/partners") and request.method != "GET"):
        raise ApiError(403, "only the main machine can do this", "device", "main_machine_only")
    unlocked()  # read the unlock now, so in-process API calls made by a page share it
    return None


def init_app(app: Flask) -> None:
    settings = app.config["ATTUNE_SETTINGS"]
    vault = app.extensions["attune.store"].vault
    vault.unlock_s = settings.unlock_minutes * 60.0
    app.extensions["attune.pairing"] = Pairing(app.extensions["attune.db"], app.extensions["attune.clock"],
                                               settings.pairing_ttl_s, vault.log)
    app.session_interface = _SessionInterface()
    app.before_request(_guard_lan)

    @app.after_request
    def _retry_after(response):
        wait = g.get("retry_after")
        if wait and response.status_code == 429:
            response.headers["Retry-After"] = str(int(wait) + 1)
        return response

    app.jinja_env.globals["entry_text"] = entry_text
    app.jinja_env.globals["on_lan"] = on_lan
