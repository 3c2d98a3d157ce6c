"""One JSON error shape for the whole service: {"error": {"status", "code", "message", "field"}}."""

from __future__ import annotations

import sqlite3

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from server.errors import CODES, ApiError


def error_body(status: int, message: str, field: str | None = None, code: str | None = None):
    body = {"status": status, "code": code or CODES.get(status, "error"), "message": message}
    if field:
        body["field"] = field
    return jsonify({"error": body}), status


def init_app(app: Flask) -> None:
    """Register the single JSON error handler."""

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_body(exc.status, exc.message, exc.field, exc.code)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        status = exc.code or 500
        if status < 400:  # redirects (e.g. a missing trailing slash) keep werkzeug's response
            return exc
        message = exc.description or exc.name
        if status == 413:
            message = f"request body too large (limit {app.config['MAX_CONTENT_LENGTH']} bytes)"
        response, code = error_body(status, message)
        if status == 405 and getattr(exc, "valid_methods", None):
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response, code

    @app.errorhandler(sqlite3.OperationalError)
    def _database_busy(exc: sqlite3.OperationalError):
        if "locked" in str(exc) or "busy" in str(exc):
            response, code = error_body(503, "the database is busy; try again", code="busy")
            response.headers["Retry-After"] = "1"
            return response, code
        return _unexpected(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        # Never echo internals (they may hold personal text); log the type only.
        app.logger.error("unexpected %s in request", type(exc).__name__, exc_info=app.debug)
        return error_body(500, "internal error")
