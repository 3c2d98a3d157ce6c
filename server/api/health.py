"""Liveness: which database and schema version the service runs on."""

from __future__ import annotations

from flask import current_app, jsonify

from server.api import bp


@bp.get("/health")
def health():
    db = current_app.extensions["attune.db"]
    return jsonify({"status": "ok", "schema_version": db.schema_version()})
