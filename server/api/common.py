"""Helpers every API module shares: the store, who is asking, partner look-up, versions."""

from __future__ import annotations

import re
from typing import Any

from flask import current_app, g, jsonify, request

from server.errors import ApiError
from server.store import Store

PARTNER_HEADER = "X-Attune-Partner"
UNLOCK_HEADER = "X-Attune-Unlock"
UNLOCK_COOKIE = "attune_unlock"


def store() -> Store:
    return current_app.extensions["attune.store"]


def partner_or_400(ref: str | int, field: str = "partner") -> dict[str, Any]:
    """A partner by name (case-insensitive) or id, or a 400 naming `field`."""
    found = store().partner(ref) if isinstance(ref, int) else store().partner_by_name(ref)
    if found is None:
        names = ", ".join(p["name"] for p in store().partners())
        raise ApiError(400, f"{field}: no partner '{ref}' (partners: {names})", field, "unknown_partner")
    return found


def optional_partner_id(ref: str | int | None, field: str = "partner") -> int | None:
    return None if ref is None else partner_or_400(ref, field)["id"]


def unlocked():
    """The request's unlock (an `X-Attune-Unlock` header or the attune_unlock cookie), or None.

    Read once per request and kept in `g`, so the web page's in-process API calls share it.
    A paired phone only ever holds its own partner's unlock."""
    if "attune_unlock" not in g:
        token = request.headers.get(UNLOCK_HEADER) or request.cookies.get(UNLOCK_COOKIE)
        found = store().vault.unlocked(token)
        device = g.get("device_partner_id")
        g.attune_unlock = found if found is None or device is None or found.partner_id == device else None
    return g.attune_unlock


def reading_keys() -> dict:
    """{partner id: key} for the private entries this request may read."""
    found = unlocked()
    return {found.partner_id: found.key} if found else {}


def viewer() -> dict[str, Any] | None:
    """The partner the request speaks for, or None: a paired phone's partner, else `?as=Name` or
    `X-Attune-Partner`, else the partner whose passcode unlocked this session.

    Private entries are listed only to their owner, so a request that names nobody
    sees shared entries only; their words only with the owner's key (see reading_keys).
    """
    device = g.get("device_partner_id")
    if device is not None:
        return store().partner(device)
    name = request.args.get("as")
    field = "as"
    if name is None:
        name, field = request.headers.get(PARTNER_HEADER), PARTNER_HEADER
    if name is None or not name.strip():
        found = unlocked()
        return store().partner(found.partner_id) if found else None
    if len(name) > 40:
        raise ApiError(400, f"{field}: no partner with so long a name", field, "unknown_partner")
    return partner_or_400(name.strip(), field)


def viewer_id() -> int | None:
    who = viewer()
    return who["id"] if who else None


def expected_version(body: dict[str, Any] | None = None) -> int | None:
    """The version the client last saw: body "version" or an If-Match header ("3", W/"3" or 3)."""
    if body and body.get("version") is not None:
        return body["version"]
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,18})"?\s*', header)
    if not match:
        raise ApiError(400, 'If-Match must be a version such as "3"', "If-Match", "invalid")
    return int(match.group(1))


def versioned(item: dict[str, Any], status: int = 200):
    """A JSON response with an ETag carrying the row's version."""
    response = jsonify(item)
    response.status_code = status
    response.headers["ETag"] = f'"{item["version"]}"'
    return response


def not_found(what: str, ident: Any, field: str = "id") -> ApiError:
    return ApiError(404, f"no {what} {ident}", field, "not_found")


def visible_page(args: dict[str, Any], key: str, lister, counter) -> dict[str, Any]:
    """One page of a list the asking partner may see: `args` is the validated query
    (limit, offset, optional partner name and filters); `lister`/`counter` are Store methods."""
    limit, offset = args.pop("limit"), args.pop("offset")
    if "partner" in args:
        args["partner_id"] = optional_partner_id(args.pop("partner"))
    args["viewer_id"] = viewer_id()
    if key == "entries":
        args["keys"] = reading_keys()
    items = lister(**args, limit=limit, offset=offset)
    return {key: items, "total": counter(**args), "limit": limit, "offset": offset}


def session_or_400(session_id: int | None, field: str = "session_id") -> int | None:
    if session_id is not None and store().get_session(session_id) is None:
        raise ApiError(400, f"{field}: no session {session_id}", field, "unknown_session")
    return session_id
