"""The local web page: server-rendered views of the same state and routines.

Every page reads without JavaScript; forms post to web routes that call the same
store and runner code as the API, then redirect. static/app.js only enhances
(live polling of the routine, forms sent with fetch).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, current_app, request, session

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")

NAV = (
    ("web.dashboard", "Today"),
    ("web.routine", "Routine"),
    ("web.history", "History"),
    ("web.charts", "Charts"),
    ("web.phrases", "Phrases"),
    ("web.settings", "Settings"),
    ("web.data", "Your data"),
)


def store():
    return current_app.extensions["attune.store"]


def db():
    return current_app.extensions["attune.db"]


def now() -> datetime:
    """The app clock (ATTUNE_CLOCK, for tests and the bench) as an aware UTC datetime."""
    clock = current_app.extensions.get("attune.clock") or current_app.config.get("ATTUNE_CLOCK") or time.time
    return datetime.fromtimestamp(clock(), timezone.utc)


def partners() -> list[dict]:
    rows = db().read().execute("SELECT id, slot, name FROM partners ORDER BY slot").fetchall()
    return [dict(r) for r in rows]


def viewer(partner_list: list[dict] | None = None) -> dict | None:
    """The partner whose view this is (None = Together). A view filter, not a login."""
    wanted = session.get("viewer")
    for partner in partner_list if partner_list is not None else partners():
        if partner["id"] == wanted:
            return partner
    return None


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after a form (never another site)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.app_context_processor
def _page_globals():
    if request.blueprint != "web":
        return {}
    partner_list = partners()
    return {"nav": NAV, "partners": partner_list, "viewer": viewer(partner_list)}


from server.web import data, drive, entry_edit, library, pages, promises, settings_page  # noqa: E402,F401  (routes)
