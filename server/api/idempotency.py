"""Writes as one transaction, replayable with an `Idempotency-Key` header.

`@idempotent` wraps a write view in one `db.write()` transaction: every store
call the view makes joins it, so a request commits completely or not at all
(an error response rolls back too). With an `Idempotency-Key: <1-200 visible
ASCII characters>` header, the first successful response is stored in the
same transaction; sending the same key again returns that stored response
(status and JSON body, plus `Idempotent-Replayed: true`) without a second
write. The same key on a different method, path or body is a 409. An answer
holding words said but never stored (a safety stop's help line) is kept
redacted: the key still guards against a second write.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import wraps
from typing import Callable

from flask import Response, current_app, make_response, request

from server.errors import ApiError

HEADER = "Idempotency-Key"
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,200}")


class _Rollback(Exception):
    """Carries an error response out of the transaction so its writes are undone."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response


def idempotency_key() -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not KEY_PATTERN.fullmatch(key):
        raise ApiError(400, f"{HEADER} must be 1 to 200 visible ASCII characters", HEADER, "invalid")
    return key


def _kept_answer(response: Response) -> str:
    """The body to store for replays; redacted when it holds an utterance that is never stored."""
    body = response.get_json(silent=True)
    said = body.get("utterances") if isinstance(body, dict) else None
    if isinstance(said, list) and any(isinstance(u, dict) and u.get("seq", 0) is None for u in said):
        return json.dumps({"redacted": "this answer held words that are said once and never kept"})
    return response.get_data(as_text=True)


def _request_hash() -> str:
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, request.get_data(cache=True)):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def _without(body: str, secret: set[str]) -> str:
    """A JSON reply with every string in `secret` replaced by null (a locked entry, if it is one)."""

    def walk(item):
        if isinstance(item, dict):
            out = {k: walk(v) for k, v in item.items()}
            if item.get("private") and item.get("value") in secret:
                out["locked"] = True
            return out
        if isinstance(item, list):
            return [walk(v) for v in item]
        return None if isinstance(item, str) and item in secret else item

    try:
        return json.dumps(walk(json.loads(body)))
    except ValueError:
        return json.dumps({"redacted": "this answer held private words"})


def idempotent(view: Callable) -> Callable:
    """Run a write view as one transaction; replay stored responses for a repeated Idempotency-Key."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        key = idempotency_key()
        db = current_app.extensions["attune.db"]
        store = current_app.extensions["attune.store"]
        try:
            with db.write() as conn:
                if key is not None:
                    row = conn.execute("SELECT method, path, request_hash, status, response"
                                       " FROM idempotency WHERE key = ?", (key,)).fetchone()
                    if row is not None:
                        if row["request_hash"] != _request_hash():
                            raise ApiError(409, f"this {HEADER} was already used for a different request",
                                           HEADER, "idempotency_key_reused")
                        replay = Response(row["response"], status=row["status"], mimetype="application/json")
                        replay.headers["Idempotent-Replayed"] = "true"
                        return replay
                store.vault.capture()
                try:
                    response = make_response(view(*args, **kwargs))
                finally:
                    sealed = store.vault.captured()
                if response.status_code >= 400:
                    raise _Rollback(response)
                if key is not None:
                    stored = _kept_answer(response)
                    # A reply that quotes words just sealed as private is not kept in plain: a replay
                    # gets them as null, like a locked entry (the write itself is still never done twice).
                    if any(json.dumps(text)[1:-1] in stored for text in sealed if text):
                        stored = _without(stored, set(sealed))
                    conn.execute(
                        "INSERT INTO idempotency (key, method, path, status, response, created_at, request_hash)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (key, request.method, request.path, response.status_code,
                         stored, store.now(), _request_hash()),
                    )
                return response
        except _Rollback as rollback:
            return rollback.response

    return wrapper
