"""The versioned JSON API under /api/v1. Each module adds its routes to `bp`."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from server.api import health  # noqa: E402,F401  (registers routes)
from server.api import export  # noqa: E402,F401  (export and delete everything: web worker)
