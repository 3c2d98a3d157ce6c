"""The local web page: server-rendered views of the same state and routines.

Every page reads without JavaScript; forms post to web routes that call the same
store and runner code as the API, then redirect. static/app.js only enhances
(live polling of the routine, forms sent with fetch).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from urllib.parse import urlsplit

from flask import Blueprint, current_app, g, request

from server.viewer import partners, viewer  # noqa: F401  (the pages take them from here)

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/assets")

NAV = (
    ("web.dashboard", "Today"),
    ("web.routine", "Routine"),
    ("web.history", "History"),
    ("web.charts", "Charts"),
    ("web.phrases", "Phrases"),
    ("web.settings", "Settings"),
    ("web.privacy", "Privacy"),
    ("web.data", "Your data"),
)
MAIN_ONLY_NAV = frozenset({"web.settings", "web.data"})
"""Pages a paired phone cannot open (server.privacy): the main machine's controls."""


def store():
    return current_app.extensions["attune.store"]


def db():
    return current_app.extensions["attune.db"]


def now() -> datetime:
    """The app clock (ATTUNE_CLOCK, for tests and the bench) as an aware UTC datetime."""
    clock = current_app.extensions.get("attune.clock") or current_app.config.get("ATTUNE_CLOCK") or time.time
    return datetime.fromtimestamp(clock(), timezone.utc)




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
    nav = NAV if g.get("device_partner_id") is None else tuple(n for n in NAV if n[0] not in MAIN_ONLY_NAV)
    return {"nav": nav, "partners": partner_list, "viewer": viewer(partner_list),
            "device_partner": g.get("device") and g.device["partner"]}


from server.web import (data, entry_edit, help_page, pages, phrases_page, promises, routine_page,  # noqa: E402,F401
                        settings_page, trends_page, words)  # (routes)
from server.web import privacy_page  # noqa: E402,F401  (routes)
