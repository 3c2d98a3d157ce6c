"""The versioned JSON API under /api/v1. Each module adds its routes to `bp`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

# Route modules (each registers its routes on `bp` and documents them in openapi/<name>.yaml).
from server.api import health  # noqa: E402,F401  (registers routes)
from server.api import docs  # noqa: E402,F401  (serves the OpenAPI document)
from server.api import settings, partners  # noqa: E402,F401
from server.api import sessions, entries, commitments  # noqa: E402,F401
from server.api import phrases, reviews, rituals  # noqa: E402,F401
from server.api import export  # noqa: E402,F401  (export and delete everything)
from server.api import routines  # noqa: E402,F401  (routines, events, utterances)
from server.api import schedule  # noqa: E402,F401  (the daily rhythm: schedule and reminders)
from server.api import listening  # noqa: E402,F401  (the voice loop's listening state)
from server.api import privacy  # noqa: E402,F401  (passcodes, unlocks, paired phones)
