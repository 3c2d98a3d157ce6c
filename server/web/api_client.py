"""Call the JSON API in-process, so a no-JavaScript form runs exactly the code the API runs.

Each call is one full dispatch through the app (request guards, validation,
idempotency, the same store and runner), with no network and no cookies: the
page's own CSRF check has already passed on the form post that led here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g


class ApiMissing(RuntimeError):
    """No API route matches the path: an id from a form that no route takes ("0", 20 digits)."""


def call_api(method: str, path: str, body: dict | None = None,
             idempotency_key: str | None = None) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of one /api/v1 request; raises ApiMissing if no route matches."""
    if not _has_route(method, path):
        raise ApiMissing(path)
    headers = {}
    token = current_app.config.get("ATTUNE_ACCESS_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    host = current_app.config["ATTUNE_SETTINGS"].host
    outer_g = dict(vars(g))  # the nested request shares the app context's `g`; keep ours intact
    try:
        with current_app.test_request_context(
            "/api/v1" + path, method=method, json=body, headers=headers,
            base_url=f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}",
        ):
            response = current_app.full_dispatch_request()
    finally:
        vars(g).clear()
        vars(g).update(outer_g)
    return response.status_code, (response.get_json(silent=True) or {})


def _has_route(method: str, path: str) -> bool:
    adapter = current_app.url_map.bind("localhost")
    try:
        adapter.match("/api/v1" + path.split("?", 1)[0], method=method)
    except Exception:  # noqa: BLE001  (werkzeug's NotFound / MethodNotAllowed)
        return False
    return True


def error_message(data: dict[str, Any], default: str = "That did not work.") -> str:
    return data.get("error", {}).get("message") or default
