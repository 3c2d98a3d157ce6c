"""Export all data (JSON or a zip of CSVs) and delete everything (with a typed confirmation)."""

from __future__ import annotations

from datetime import datetime, timezone

from flask import Response, current_app, jsonify, request

from server import export
from server.api import bp
from server.errors import ApiError
from server.privacy import export_opener


def _filename(ext: str) -> str:
    return f"attune-export-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}.{ext}"


@bp.get("/export")
def export_all():
    fmt = request.args.get("format", "json")
    unknown = sorted(set(request.args) - {"format"})
    if unknown:
        raise ApiError(400, f"unknown query parameter '{unknown[0]}'", unknown[0])
    if fmt not in ("json", "csv"):
        raise ApiError(400, "format must be 'json' or 'csv'", "format")
    return export_response(fmt)


def export_response(fmt: str, keys: dict | None = None):
    """The export download; private entries open only with `keys`, this request's unlock, or no passcode."""
    db = current_app.extensions["attune.db"]
    opener = export_opener(keys)
    if fmt == "csv":
        return Response(export.export_csv_zip(db, opener), mimetype="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{_filename("zip")}"'})
    response = jsonify(export.export_data(db, opener))
    response.headers["Content-Disposition"] = f'attachment; filename="{_filename("json")}"'
    return response


def confirmed_body() -> None:
    """Check the JSON body is exactly {"confirm": "delete everything"}."""
    if not request.is_json:
        raise ApiError(415, "send a JSON body: {\"confirm\": \"delete everything\"}", "body")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object", "body")
    unknown = sorted(set(body) - {"confirm"})
    if unknown:
        raise ApiError(400, f"unknown field '{unknown[0]}'", unknown[0])
    if body.get("confirm") != export.CONFIRM_PHRASE:
        raise ApiError(400, f"confirm must be exactly '{export.CONFIRM_PHRASE}'", "confirm")


def delete_everything_now() -> dict[str, int]:
    """Delete all data and drop settings edited on this device (shared with the web page)."""
    config = current_app.config
    base = config.get("ATTUNE_BASE_SETTINGS") or config["ATTUNE_SETTINGS"]
    deleted = export.delete_everything(current_app.extensions["attune.db"], base.partners)
    current_app.extensions["attune.store"].vault.lock()  # the keys are gone; so are their unlocks
    if "ATTUNE_BASE_SETTINGS" in config:
        config["ATTUNE_SETTINGS"] = base
        config["ATTUNE_SETTING_SOURCES"] = dict(config.get("ATTUNE_BASE_SOURCES", {}))
        current_app.extensions["attune.store"].settings = base
    return deleted


@bp.delete("/data")
def delete_all():
    confirmed_body()
    return jsonify({"deleted": delete_everything_now()})
