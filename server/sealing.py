"""Bringing a database written before private entries were sealed up to date. No Flask here.

Run at every start (cheap when there is nothing to do): private entries still in plain text
are sealed to their partner's key, a private routine's saved state keeps only that each step
was answered, and stored Idempotency-Key replies quoting the words are blanked.
"""

from __future__ import annotations

import json
from typing import Any

from server.store import Store, _redact_answers


def scrub_private_state(state: dict[str, Any]) -> None:
    """A private routine's saved state keeps whether each step was answered, never the answer."""
    answers = state.get("answers") or {}
    state["answers"] = {k: v if v in ("unanswered", "skipped") else "answered" for k, v in answers.items()}
    state["collect"] = {k: "…" for k in state.get("collect") or {}}


def seal_plain_private(store: Store) -> int:
    """Seal private entries written in plain; returns how many."""
    with store.db.write() as conn:
        rows = conn.execute("SELECT id, partner_id, value FROM entries WHERE private = 1 AND sealed IS NULL"
                            ).fetchall()
        for row in rows:
            conn.execute("UPDATE entries SET value = '', sealed = ? WHERE id = ?",
                         (store.vault.seal(row["partner_id"], row["value"]), row["id"]))
        _redact_answers(conn, [r["value"] for r in rows])
        for row in conn.execute("SELECT id, state FROM sessions WHERE json_extract(state, '$.private') = 1"
                                " AND json_extract(state, '$.answers') IS NOT NULL"):
            state = json.loads(row["state"])
            scrub_private_state(state)
            if json.dumps(state) != row["state"]:
                conn.execute("UPDATE sessions SET state = ? WHERE id = ?", (json.dumps(state), row["id"]))
    if rows:
        store.vault.checkpoint()  # the plain words must not linger in the WAL
    return len(rows)
