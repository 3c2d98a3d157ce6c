"""Request guards for a service that holds a couple's private words.

- Host allow-list (DNS-rebinding defence): only the bound address and loopback names.
- No CORS: a request from another Origin that would change state is refused.
- CSRF: form posts, and JSON calls made by the web page (they carry its session
  cookie), must present the session's CSRF token. Non-browser clients (the voice
  loop) send JSON without cookies; browsers cannot do that cross-site without a
  CORS preflight, which this service never grants.
- Access token: required on every request when bound to a non-loopback address.
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, current_app, g, request, session

from server.errors import ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
TOKEN_COOKIE = "attune_token"


def csrf_token() -> str:
    """The current browser session's CSRF token (created on first use)."""
    token = session.get(CSRF_FIELD)
    if not token:
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def _same_secret(supplied: object, expected: str) -> bool:
    """Constant-time comparison that also copes with non-ASCII input (compare_digest on str does not)."""
    return hmac.compare_digest(str(supplied).encode("utf-8", "surrogateescape"),
                               expected.encode("utf-8", "surrogateescape"))


def _host_name(host_header: str) -> str:
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts(bound_host: str) -> frozenset[str]:
    bound = bound_host.lower()
    names = set(LOOPBACK_NAMES) | {bound, f"[{bound}]"}
    return frozenset(names)


def _same_origin(origin: str) -> bool:
    if origin == "null":
        return False
    rest = origin.split("://", 1)[-1]
    return _host_name(rest) in current_app.config["ATTUNE_ALLOWED_HOSTS"]


def _check_host() -> None:
    if current_app.config.get("ATTUNE_ANY_HOST"):
        return
    name = _host_name(request.host or "")
    if name not in current_app.config["ATTUNE_ALLOWED_HOSTS"]:
        raise ApiError(400, f"host '{name}' is not served here", "Host", "bad_host")


def _check_token() -> None:
    expected = current_app.config.get("ATTUNE_ACCESS_TOKEN")
    if not expected or request.environ.get("attune.lan"):
        return  # the home-network listener admits paired phones instead (server.privacy)
    supplied = None
    auth = request.headers.get("Authorization", "")
    if auth.lower().startswith("bearer "):
        supplied = auth[7:].strip()
    supplied = supplied or request.cookies.get(TOKEN_COOKIE) or request.args.get("token")
    if not supplied or not _same_secret(supplied, expected):
        raise ApiError(401, "an access token is required (Authorization: Bearer TOKEN)", "Authorization")
    g.set_token_cookie = request.args.get("token") == expected and request.cookies.get(TOKEN_COOKIE) != expected


def _check_cross_site() -> None:
    if request.method in SAFE_METHODS:
        return
    origin = request.headers.get("Origin")
    if origin is not None and not _same_origin(origin):
        raise ApiError(403, "cross-origin requests are not allowed", "Origin", "cross_origin")
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site in ("cross-site", "same-site"):
        raise ApiError(403, "cross-site requests are not allowed", "Origin", "cross_origin")
    mimetype = request.mimetype
    is_form = mimetype in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain")
    from_page = is_form or current_app.config["SESSION_COOKIE_NAME"] in request.cookies
    if not from_page:
        return
    expected = session.get(CSRF_FIELD)
    supplied = request.headers.get(CSRF_HEADER)
    if supplied is None and is_form:
        supplied = request.form.get(CSRF_FIELD)
    if not expected or not supplied or not _same_secret(supplied, str(expected)):
        raise ApiError(403, "missing or invalid CSRF token", CSRF_FIELD, "csrf")


def init_app(app: Flask) -> None:
    settings = app.config["ATTUNE_SETTINGS"]
    app.config["ATTUNE_ALLOWED_HOSTS"] = allowed_hosts(settings.host) | (
        allowed_hosts(settings.lan_host) if settings.lan and settings.lan_host else frozenset())
    app.config["ATTUNE_ANY_HOST"] = settings.host in ("0.0.0.0", "::") and bool(settings.access_token)
    app.config["ATTUNE_ACCESS_TOKEN"] = settings.access_token

    @app.before_request
    def _guard():
        _check_host()
        _check_token()
        _check_cross_site()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        # same-origin, not no-referrer: with no-referrer Chromium sends "Origin: null" on
        # same-origin form posts, which the cross-site check must refuse.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        response.headers.setdefault("Cache-Control", "no-store")
        if getattr(g, "set_token_cookie", False):
            response.set_cookie(TOKEN_COOKIE, current_app.config["ATTUNE_ACCESS_TOKEN"],
                                httponly=True, samesite="Strict")
        return response

    app.jinja_env.globals["csrf_token"] = csrf_token
