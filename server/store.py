"""Data access for every resource. Plain methods over `server.db.Database`; no Flask here.

Every public method returns plain JSON-ready dicts (times as "...Z" strings).
Every write runs inside `with self.db.write()`, so it is one transaction on its
own and joins the caller's transaction when there is one (a routine step and
its entries commit together). Rows that can be edited carry a `version`;
`expected_version` makes an update fail with 409 when someone else got there first.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from attune.settings import Settings
from server.db import Database
from server.errors import ApiError
from server.vault import Vault

SESSION_STATUSES = ("active", "completed", "stopped", "abandoned")
ENDED_STATUSES = frozenset(SESSION_STATUSES) - {"active"}
ENTRY_KINDS = ("feeling", "need", "request", "appreciation", "answer", "reflection", "heard",
               "win", "hardest", "rupture", "impact", "worked", "didnt_work", "adjust", "note")
COMMITMENT_STATUSES = ("open", "kept", "missed", "partly")
UTTERANCE_KINDS = ("prompt", "announcement", "reprompt", "info", "end")
CUSTOM_PREFIX = "custom."


def iso_from_seconds(seconds: float) -> str:
    """Wall-clock seconds as the ISO-8601 UTC string stored everywhere ("...Z")."""
    moment = datetime.fromtimestamp(seconds, timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry(row: sqlite3.Row) -> dict[str, Any]:
    item = dict(row)
    item["private"] = bool(item["private"])
    if item.get("sealed") is None:
        item.pop("sealed", None)
    else:
        item["value"] = None  # until Vault.reveal opens it with its owner's key
    return item


def _with_json(row: sqlite3.Row, *keys: str) -> dict[str, Any]:
    item = dict(row)
    for key in keys:
        if key in item:
            item[key] = json.loads(item[key]) if item[key] is not None else None
    return item


def _custom_phrase(row: sqlite3.Row) -> dict[str, Any]:
    return {"id": f"{CUSTOM_PREFIX}{row['id']}", "number": row["id"], "category": row["category"],
            "text": row["text"], "custom": True, "created_at": row["created_at"]}


def _where(clauses: Iterable[tuple[str, Any]]) -> tuple[str, list[Any]]:
    """' WHERE a AND b' plus parameters, from (sql, value) pairs whose value is not None."""
    parts, params = [], []
    for sql, value in clauses:
        if value is None:
            continue
        parts.append(sql)
        params.extend(value if isinstance(value, tuple) else (value,))
    return (" WHERE " + " AND ".join(parts) if parts else ""), params


def _check_version(row: sqlite3.Row | None, what: str, ident: int, expected: int | None) -> None:
    if row is None:
        raise ApiError(404, f"no {what} {ident}", "id", "not_found")
    if expected is not None and row["version"] != expected:
        raise ApiError(409, f"{what} {ident} was changed by someone else (version {row['version']},"
                            f" you sent {expected}); reload and try again", "version", "version_conflict")


_ENTRY_SELECT = ("SELECT e.id, e.session_id, e.partner_id, p.name AS partner, e.kind, e.value, e.step,"
                 " e.private, e.created_at, e.version, e.sealed FROM entries e JOIN partners p ON p.id = e.partner_id")
_COMMITMENT_SELECT = ("SELECT c.id, c.session_id, c.partner_id, p.name AS partner, c.what, c.due_at,"
                      " c.status, c.created_at, c.updated_at, c.reviewed_at, c.version"
                      " FROM commitments c JOIN partners p ON p.id = c.partner_id")
_SESSION_COLUMNS = "s.id, s.routine, s.status, s.started_at, s.ended_at, s.updated_at, s.version"
_RITUAL_SELECT = ("SELECT r.id, r.ritual, r.partner_id, p.name AS partner, r.note, r.logged_at"
                  " FROM ritual_log r LEFT JOIN partners p ON p.id = r.partner_id")
_FAVOURITE_SELECT = ("SELECT f.id, f.phrase_id, f.partner_id, p.name AS partner, f.created_at"
                     " FROM favourites f LEFT JOIN partners p ON p.id = f.partner_id")
_USE_SELECT = ("SELECT u.id, u.phrase_id, u.category, u.partner_id, p.name AS partner, u.session_id,"
               " u.used_at FROM phrase_uses u LEFT JOIN partners p ON p.id = u.partner_id")


def _redact_answers(conn: sqlite3.Connection, texts: Iterable[str | None]) -> None:
    """Blank stored Idempotency-Key answers that quote deleted words (the key stays, so a replay still
    writes nothing twice; it just no longer returns the words)."""
    for text in {t for t in texts if t}:
        quoted = json.dumps(text)  # as the JSON answer spells it (Flask escapes non-ASCII the same way)
        conn.execute("UPDATE idempotency SET response = ? WHERE instr(response, ?) > 0",
                     (json.dumps({"redacted": "this answer held words that were deleted since"}), quoted))


class Store:
    """All reads and writes of attune's state. Each public write is one transaction."""

    def __init__(self, db: Database, settings: Settings, clock: Callable[[], float] = time.time):
        self.db = db
        self.settings = settings
        self.clock = clock
        self.vault = Vault(db, clock)

    def now(self) -> str:
        return iso_from_seconds(self.clock())

    # -- stored settings ---------------------------------------------------
    def _put_setting(self, conn: sqlite3.Connection, key: str, value: Any) -> None:
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, json.dumps(value), self.now()),
        )

    def secret_key(self) -> str:
        """The key that signs the web page's session cookie; made once per database."""
        with self.db.write() as conn:
            row = conn.execute("SELECT value FROM settings WHERE key = '_secret_key'").fetchone()
            if row is not None:
                return json.loads(row["value"])
            key = secrets.token_hex(32)
            self._put_setting(conn, "_secret_key", key)
            return key

    def stored_settings(self) -> dict[str, Any]:
        """Settings saved from the API or web page (internal "_" keys left out)."""
        rows = self.db.read().execute(
            "SELECT key, value FROM settings WHERE key NOT LIKE '\\_%' ESCAPE '\\' ORDER BY key"
        ).fetchall()
        return {r["key"]: json.loads(r["value"]) for r in rows}

    def save_settings(self, values: dict[str, Any]) -> None:
        with self.db.write() as conn:
            for key, value in values.items():
                if key.startswith("_"):
                    raise ValueError(f"internal setting {key!r}")
                self._put_setting(conn, key, value)

    def prune_idempotency(self, keep_days: float = 30.0) -> int:
        """Forget stored Idempotency-Key answers older than `keep_days`; returns how many."""
        cutoff = iso_from_seconds(self.clock() - keep_days * 86400)
        with self.db.write() as conn:
            return conn.execute("DELETE FROM idempotency WHERE created_at < ?", (cutoff,)).rowcount

    # -- partners ----------------------------------------------------------
    def sync_partners(self, names: tuple[str, ...]) -> None:
        """Make partner slots 1 and 2 carry these names (renaming keeps their entries)."""
        with self.db.write() as conn:
            for slot, name in enumerate(names[:2], start=1):
                row = conn.execute("SELECT id, name FROM partners WHERE slot = ?", (slot,)).fetchone()
                if row is None:
                    # Free the name if the other slot holds it (a swap), then insert.
                    conn.execute("UPDATE partners SET name = name || ' (old)' WHERE name = ? COLLATE NOCASE", (name,))
                    conn.execute(
                        "INSERT INTO partners (slot, name, created_at) VALUES (?, ?, ?)",
                        (slot, name, self.now()),
                    )
                elif row["name"] != name:
                    conn.execute(
                        "UPDATE partners SET name = '#' || id WHERE name = ? COLLATE NOCASE AND slot != ?",
                        (name, slot),
                    )
                    conn.execute("UPDATE partners SET name = ? WHERE slot = ?", (name, slot))

    def partners(self) -> list[dict[str, Any]]:
        rows = self.db.read().execute("SELECT id, slot, name FROM partners ORDER BY slot").fetchall()
        return [dict(r) for r in rows]

    def partner(self, partner_id: int) -> dict[str, Any] | None:
        row = self.db.read().execute("SELECT id, slot, name FROM partners WHERE id = ?", (partner_id,)).fetchone()
        return dict(row) if row else None

    def partner_by_name(self, name: str) -> dict[str, Any] | None:
        row = self.db.read().execute(
            "SELECT id, slot, name FROM partners WHERE name = ? COLLATE NOCASE", (name.strip(),)
        ).fetchone()
        return dict(row) if row else None

    def partner_by_slot(self, slot: int) -> dict[str, Any] | None:
        row = self.db.read().execute("SELECT id, slot, name FROM partners WHERE slot = ?", (slot,)).fetchone()
        return dict(row) if row else None

    # -- sessions ----------------------------------------------------------
    def create_session(self, routine: str, state: dict | None = None, status: str = "active") -> dict[str, Any]:
        now = self.now()
        ended = now if status in ENDED_STATUSES else None
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO sessions (routine, status, started_at, ended_at, state, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (routine, status, now, ended, json.dumps(state or {}), now),
            )
            return self.get_session(cur.lastrowid)

    def get_session(self, session_id: int) -> dict[str, Any] | None:
        row = self.db.read().execute(
            f"SELECT {_SESSION_COLUMNS}, s.state FROM sessions s WHERE s.id = ?", (session_id,)
        ).fetchone()
        return _with_json(row, "state") if row else None

    def update_session(self, session_id: int, state: dict | None = None, status: str | None = None,
                       expected_version: int | None = None) -> dict[str, Any]:
        """Replace the state and/or status; bumps `version`; 409 if `expected_version` is stale."""
        with self.db.write() as conn:
            row = conn.execute("SELECT version, status, ended_at FROM sessions WHERE id = ?",
                               (session_id,)).fetchone()
            _check_version(row, "session", session_id, expected_version)
            now = self.now()
            ended = row["ended_at"]
            if status is not None:
                ended = (ended or now) if status in ENDED_STATUSES else None
            conn.execute(
                "UPDATE sessions SET state = COALESCE(?, state), status = COALESCE(?, status),"
                " ended_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                (None if state is None else json.dumps(state), status, ended, now, session_id),
            )
            return self.get_session(session_id)

    def delete_session(self, session_id: int, expected_version: int | None = None) -> None:
        """Delete a session with its entries and utterances (commitments and reviews keep, unlinked)."""
        with self.db.write() as conn:
            row = conn.execute("SELECT version FROM sessions WHERE id = ?", (session_id,)).fetchone()
            _check_version(row, "session", session_id, expected_version)
            _redact_answers(conn, [r["value"] for r in conn.execute(
                "SELECT value FROM entries WHERE session_id = ?", (session_id,))])
            conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def active_session(self) -> dict[str, Any] | None:
        row = self.db.read().execute(
            "SELECT id FROM sessions WHERE status = 'active' ORDER BY started_at DESC, id DESC LIMIT 1"
        ).fetchone()
        return self.get_session(row["id"]) if row else None

    @staticmethod
    def _session_filter(routine=None, status=None, partner_id=None, since=None, until=None, viewer_id=None):
        visible = (viewer_id if viewer_id is not None else -1,)
        return _where([
            ("s.routine = ?", routine),
            ("s.status = ?", status),
            ("EXISTS (SELECT 1 FROM entries e WHERE e.session_id = s.id AND e.partner_id = ?"
             " AND (e.private = 0 OR e.partner_id = ?))", None if partner_id is None else (partner_id, *visible)),
            ("s.started_at >= ?", since),
            ("s.started_at < ?", until),
        ])

    def list_sessions(self, routine: str | None = None, status: str | None = None,
                      partner_id: int | None = None, since: str | None = None, until: str | None = None,
                      limit: int = 50, offset: int = 0, viewer_id: int | None = None) -> list[dict[str, Any]]:
        """Newest first, without state, with `entry_count`. `partner_id` keeps sessions they spoke in.

        Private entries count (and place their owner in a session) only when `viewer_id` is their owner.
        """
        where, params = self._session_filter(routine, status, partner_id, since, until, viewer_id)
        visible = viewer_id if viewer_id is not None else -1
        rows = self.db.read().execute(
            f"SELECT {_SESSION_COLUMNS}, (SELECT COUNT(*) FROM entries e WHERE e.session_id = s.id"
            f" AND (e.private = 0 OR e.partner_id = ?)) AS entry_count FROM sessions s{where}"
            " ORDER BY s.started_at DESC, s.id DESC LIMIT ? OFFSET ?",
            [visible, *params, limit, offset],
        ).fetchall()
        return [dict(r) for r in rows]

    def count_sessions(self, routine: str | None = None, status: str | None = None,
                       partner_id: int | None = None, since: str | None = None,
                       until: str | None = None, viewer_id: int | None = None) -> int:
        where, params = self._session_filter(routine, status, partner_id, since, until, viewer_id)
        return self.db.read().execute(f"SELECT COUNT(*) FROM sessions s{where}", params).fetchone()[0]

    # -- entries -----------------------------------------------------------
    def add_entry(self, session_id: int | None, partner_id: int, kind: str, value: str,
                  step: str | None = None, private: bool = False) -> dict[str, Any]:
        """A private entry's words are sealed to its owner's key: the file never holds them."""
        with self.db.write() as conn:
            sealed = self.vault.seal(partner_id, value) if private else None
            cur = conn.execute(
                "INSERT INTO entries (session_id, partner_id, kind, value, step, private, created_at, sealed)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (session_id, partner_id, kind, "" if private else value, step, int(bool(private)), self.now(),
                 sealed),
            )
            entry = self.get_entry(cur.lastrowid)
        if private:
            self.vault.remember(entry["id"], value)
            entry["value"], entry["locked"] = value, False  # the writer knows what they wrote
        return entry

    def reading_keys(self, viewer_id: int | None, keys: dict | None = None) -> dict:
        """`keys` (opened by unlocks) plus the viewer's own key while they have no passcode."""
        found = dict(keys or {})
        if viewer_id is not None and viewer_id not in found:
            key = self.vault.open_key(viewer_id)
            if key is not None:
                found[viewer_id] = key
        return found

    def get_entry(self, entry_id: int, keys: dict | None = None, viewer_id: int | None = None) -> dict[str, Any] | None:
        row = self.db.read().execute(f"{_ENTRY_SELECT} WHERE e.id = ?", (entry_id,)).fetchone()
        if row is None:
            return None
        item = _entry(row)
        self.vault.reveal([item], self.reading_keys(viewer_id, keys))
        return item

    @staticmethod
    def _entry_filter(session_id=None, partner_id=None, kind=None, viewer_id=None, since=None, until=None):
        return _where([
            ("e.session_id = ?", session_id),
            ("e.partner_id = ?", partner_id),
            ("e.kind = ?", kind),
            ("e.created_at >= ?", since),
            ("e.created_at < ?", until),
            ("(e.private = 0 OR e.partner_id = ?)", viewer_id if viewer_id is not None else -1),
        ])

    def list_entries(self, session_id: int | None = None, partner_id: int | None = None,
                     kind: str | None = None, viewer_id: int | None = None, since: str | None = None,
                     until: str | None = None, limit: int = 200, offset: int = 0,
                     keys: dict | None = None) -> list[dict[str, Any]]:
        """Oldest first. Private entries are included only when `viewer_id` is their owner, and
        their words only with the owner's key (`keys`, or theirs while they have no passcode)."""
        where, params = self._entry_filter(session_id, partner_id, kind, viewer_id, since, until)
        rows = self.db.read().execute(f"{_ENTRY_SELECT}{where} ORDER BY e.created_at, e.id LIMIT ? OFFSET ?",
                                      [*params, limit, offset]).fetchall()
        items = [_entry(r) for r in rows]
        self.vault.reveal(items, self.reading_keys(viewer_id, keys))
        return items

    def count_entries(self, session_id: int | None = None, partner_id: int | None = None,
                      kind: str | None = None, viewer_id: int | None = None, since: str | None = None,
                      until: str | None = None, keys: dict | None = None) -> int:
        where, params = self._entry_filter(session_id, partner_id, kind, viewer_id, since, until)
        return self.db.read().execute(f"SELECT COUNT(*) FROM entries e{where}", params).fetchone()[0]

    def session_entries(self, session_id: int, viewer_id: int | None = None,
                        keys: dict | None = None) -> list[dict[str, Any]]:
        return self.list_entries(session_id=session_id, viewer_id=viewer_id, limit=10_000, keys=keys)

    def update_entry(self, entry_id: int, changes: dict[str, Any], expected_version: int | None = None,
                     keys: dict | None = None) -> dict[str, Any]:
        """Change value/kind/step/private/partner_id; bumps `version`.

        Making an entry private seals its words; sharing a private one needs them opened: a new
        value, the owner's key in `keys`, or the answer still in memory from this routine (403 if none)."""
        allowed = {"value", "kind", "step", "private", "partner_id"}
        if set(changes) - allowed:
            raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
        with self.db.write() as conn:
            row = conn.execute("SELECT version, partner_id, value, private, sealed FROM entries WHERE id = ?",
                               (entry_id,)).fetchone()
            _check_version(row, "entry", entry_id, expected_version)
            values = {k: int(bool(v)) if k == "private" else v for k, v in changes.items()}
            private = bool(values.get("private", row["private"]))
            if values.get("partner_id", row["partner_id"]) != row["partner_id"] and (private or row["sealed"]):
                # sealed words open only with their owner's key: moving them would lock them away
                raise ApiError(403, "partner: a private entry stays with its owner; share it before moving it",
                               "partner", "private")
            text = values.get("value")
            if text is None and row["sealed"] is not None:
                key = (keys or {}).get(row["partner_id"]) or self.vault.open_key(row["partner_id"])
                text = self.vault.open(key, row["partner_id"], row["sealed"]) if key else None
                text = text if text is not None else self.vault.recent(entry_id)
            elif text is None:
                text = row["value"]
            if private and ("value" in values or row["sealed"] is None):
                values.update(value="", sealed=self.vault.seal(row["partner_id"], text))
                self.vault.remember(entry_id, text)
            elif not private and row["sealed"] is not None:
                if text is None:
                    raise ApiError(403, "this private entry is locked: unlock it with its owner's passcode"
                                        " before sharing it", "private", "locked")
                values.update(value=text, sealed=None)
                self.vault.drop_recent(entry_id)
            sets = "".join(f"{k} = ?, " for k in values)
            conn.execute(f"UPDATE entries SET {sets}version = version + 1 WHERE id = ?",
                         [*values.values(), entry_id])
            entry = self.get_entry(entry_id, keys)
        if entry["private"] and entry["value"] is None and text is not None:
            entry["value"], entry["locked"] = text, False
        return entry

    def delete_entry(self, entry_id: int, expected_version: int | None = None) -> None:
        with self.db.write() as conn:
            row = conn.execute("SELECT version, value FROM entries WHERE id = ?", (entry_id,)).fetchone()
            _check_version(row, "entry", entry_id, expected_version)
            _redact_answers(conn, [row["value"]])
            conn.execute("DELETE FROM entries WHERE id = ?", (entry_id,))

    def log_entry_change(self, entry_id: int, action: str, partner_id: int | None) -> None:
        """One row of the entry audit log: the kind of change, when, by whom; never the words."""
        with self.db.write() as conn:
            conn.execute("INSERT INTO entry_changes (entry_id, action, partner_id, changed_at) VALUES (?, ?, ?, ?)",
                         (entry_id, action, partner_id, self.now()))

    def entry_changes(self, entry_id: int | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """Newest first."""
        where, params = _where([("c.entry_id = ?", entry_id)])
        rows = self.db.read().execute(
            "SELECT c.id, c.entry_id, c.action, c.partner_id, p.name AS partner, c.changed_at FROM entry_changes c"
            f" LEFT JOIN partners p ON p.id = c.partner_id{where} ORDER BY c.id DESC LIMIT ?", [*params, limit])
        return [dict(r) for r in rows.fetchall()]

    # -- commitments -------------------------------------------------------
    def add_commitment(self, partner_id: int, what: str, due_at: str | None = None,
                       session_id: int | None = None) -> dict[str, Any]:
        now = self.now()
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO commitments (session_id, partner_id, what, due_at, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, partner_id, what, due_at, now, now),
            )
            return self.get_commitment(cur.lastrowid)

    def get_commitment(self, commitment_id: int) -> dict[str, Any] | None:
        row = self.db.read().execute(f"{_COMMITMENT_SELECT} WHERE c.id = ?", (commitment_id,)).fetchone()
        return dict(row) if row else None

    def list_commitments(self, status: str | None = None, partner_id: int | None = None,
                         session_id: int | None = None, due_before: str | None = None,
                         limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
        """Open ones by due date first (undated last), then the rest newest first."""
        where, params = _where([
            ("c.status = ?", status),
            ("c.partner_id = ?", partner_id),
            ("c.session_id = ?", session_id),
            ("c.due_at < ?", due_before),
        ])
        rows = self.db.read().execute(
            f"{_COMMITMENT_SELECT}{where} ORDER BY c.status != 'open', c.due_at IS NULL, c.due_at,"
            " c.created_at DESC, c.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [dict(r) for r in rows]

    def update_commitment(self, commitment_id: int, status: str | None = None,
                          expected_version: int | None = None, **changes: Any) -> dict[str, Any]:
        """Set the status (stamps `reviewed_at` when it leaves 'open') and/or `what`/`due_at`."""
        if set(changes) - {"what", "due_at"}:
            raise ValueError(f"cannot change {sorted(set(changes) - {'what', 'due_at'})}")
        with self.db.write() as conn:
            row = conn.execute("SELECT version FROM commitments WHERE id = ?", (commitment_id,)).fetchone()
            _check_version(row, "commitment", commitment_id, expected_version)
            now = self.now()
            values = dict(changes, updated_at=now)
            if status is not None:
                values["status"] = status
                values["reviewed_at"] = None if status == "open" else now
            sets = "".join(f"{k} = ?, " for k in values)
            conn.execute(f"UPDATE commitments SET {sets}version = version + 1 WHERE id = ?",
                         [*values.values(), commitment_id])
            return self.get_commitment(commitment_id)

    def delete_commitment(self, commitment_id: int, expected_version: int | None = None) -> None:
        with self.db.write() as conn:
            row = conn.execute("SELECT version, what FROM commitments WHERE id = ?",
                               (commitment_id,)).fetchone()
            _check_version(row, "commitment", commitment_id, expected_version)
            _redact_answers(conn, [row["what"]])
            conn.execute("DELETE FROM commitments WHERE id = ?", (commitment_id,))

    # -- phrases -----------------------------------------------------------
    def record_phrase_use(self, phrase_id: str, category: str, partner_id: int | None = None,
                          session_id: int | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO phrase_uses (phrase_id, category, partner_id, session_id, used_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (phrase_id, category, partner_id, session_id, self.now()),
            )
            row = conn.execute(f"{_USE_SELECT} WHERE u.id = ?", (cur.lastrowid,)).fetchone()
            return dict(row)

    def phrase_uses(self, category: str | None = None, phrase_id: str | None = None,
                    limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        where, params = _where([("u.category = ?", category), ("u.phrase_id = ?", phrase_id)])
        rows = self.db.read().execute(
            f"{_USE_SELECT}{where} ORDER BY u.used_at DESC, u.id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        return [dict(r) for r in rows]

    def phrase_last_used(self, category: str | None = None) -> dict[str, str]:
        """{phrase_id: last time it was used}, for least-recently-used selection."""
        where, params = _where([("category = ?", category)])
        rows = self.db.read().execute(
            f"SELECT phrase_id, MAX(used_at) AS last FROM phrase_uses{where} GROUP BY phrase_id", params
        ).fetchall()
        return {r["phrase_id"]: r["last"] for r in rows}

    def custom_phrases(self, category: str | None = None) -> list[dict[str, Any]]:
        where, params = _where([("category = ?", category)])
        rows = self.db.read().execute(
            f"SELECT id, category, text, created_at FROM custom_phrases{where} ORDER BY id", params
        ).fetchall()
        return [_custom_phrase(r) for r in rows]

    def add_custom_phrase(self, category: str, text: str) -> dict[str, Any]:
        with self.db.write() as conn:
            cur = conn.execute("INSERT INTO custom_phrases (category, text, created_at) VALUES (?, ?, ?)",
                               (category, text, self.now()))
            row = conn.execute("SELECT id, category, text, created_at FROM custom_phrases WHERE id = ?",
                               (cur.lastrowid,)).fetchone()
            return _custom_phrase(row)

    def delete_custom_phrase(self, number: int) -> bool:
        """Delete custom phrase `number` and its favourites; False if there was none."""
        with self.db.write() as conn:
            gone = conn.execute("DELETE FROM custom_phrases WHERE id = ?", (number,)).rowcount
            conn.execute("DELETE FROM favourites WHERE phrase_id = ?", (f"{CUSTOM_PREFIX}{number}",))
            return bool(gone)

    def add_favourite(self, phrase_id: str, partner_id: int | None = None) -> dict[str, Any]:
        """Mark a phrase as a favourite (again is a no-op returning the existing one)."""
        with self.db.write() as conn:
            row = conn.execute(f"{_FAVOURITE_SELECT} WHERE f.phrase_id = ? AND f.partner_id IS ?",
                               (phrase_id, partner_id)).fetchone()
            if row is None:
                cur = conn.execute("INSERT INTO favourites (phrase_id, partner_id, created_at) VALUES (?, ?, ?)",
                                   (phrase_id, partner_id, self.now()))
                row = conn.execute(f"{_FAVOURITE_SELECT} WHERE f.id = ?", (cur.lastrowid,)).fetchone()
            return dict(row)

    def favourites(self, partner_id: int | None = None) -> list[dict[str, Any]]:
        """All favourites, or one partner's plus the shared ones (partner None)."""
        where, params = _where([("(f.partner_id = ? OR f.partner_id IS NULL)", partner_id)])
        rows = self.db.read().execute(f"{_FAVOURITE_SELECT}{where} ORDER BY f.created_at, f.id", params).fetchall()
        return [dict(r) for r in rows]

    def delete_favourite(self, favourite_id: int) -> bool:
        with self.db.write() as conn:
            return bool(conn.execute("DELETE FROM favourites WHERE id = ?", (favourite_id,)).rowcount)

    # -- rituals -----------------------------------------------------------
    def log_ritual(self, ritual: str, partner_id: int | None = None, note: str | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            cur = conn.execute("INSERT INTO ritual_log (ritual, partner_id, note, logged_at) VALUES (?, ?, ?, ?)",
                               (ritual, partner_id, note, self.now()))
            return dict(conn.execute(f"{_RITUAL_SELECT} WHERE r.id = ?", (cur.lastrowid,)).fetchone())

    def rituals(self, since: str | None = None, until: str | None = None, ritual: str | None = None,
                limit: int = 1000, offset: int = 0) -> list[dict[str, Any]]:
        """Ritual log entries, oldest first, with since <= logged_at < until."""
        where, params = _where([("r.logged_at >= ?", since), ("r.logged_at < ?", until), ("r.ritual = ?", ritual)])
        rows = self.db.read().execute(f"{_RITUAL_SELECT}{where} ORDER BY r.logged_at, r.id LIMIT ? OFFSET ?",
                                      [*params, limit, offset]).fetchall()
        return [dict(r) for r in rows]

    # -- weekly reviews ----------------------------------------------------
    def add_weekly_review(self, week_start: str, figures: dict, worked: str | None = None,
                          didnt_work: str | None = None, adjust: str | None = None,
                          session_id: int | None = None) -> dict[str, Any]:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO weekly_reviews (session_id, week_start, figures, worked, didnt_work, adjust,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, week_start, json.dumps(figures or {}), worked, didnt_work, adjust, self.now()),
            )
            return self.get_weekly_review(cur.lastrowid)

    def get_weekly_review(self, review_id: int) -> dict[str, Any] | None:
        row = self.db.read().execute("SELECT * FROM weekly_reviews WHERE id = ?", (review_id,)).fetchone()
        return _with_json(row, "figures") if row else None

    def weekly_reviews(self, limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
        """Newest week first."""
        rows = self.db.read().execute(
            "SELECT * FROM weekly_reviews ORDER BY week_start DESC, id DESC LIMIT ? OFFSET ?", (limit, offset)
        ).fetchall()
        return [_with_json(r, "figures") for r in rows]

    # -- utterances --------------------------------------------------------
    def add_utterance(self, session_id: int | None, kind: str, routine: str | None, step: str | None,
                      text: str, clock_s: float) -> dict[str, Any]:
        with self.db.write() as conn:
            cur = conn.execute(
                "INSERT INTO utterances (session_id, kind, routine, step, text, clock_s, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (session_id, kind, routine, step, text, float(clock_s), self.now()),
            )
            row = conn.execute("SELECT * FROM utterances WHERE seq = ?", (cur.lastrowid,)).fetchone()
            return dict(row)

    def utterances_after(self, seq: int, limit: int = 200) -> list[dict[str, Any]]:
        rows = self.db.read().execute("SELECT * FROM utterances WHERE seq > ? ORDER BY seq LIMIT ?",
                                      (seq, limit)).fetchall()
        return [dict(r) for r in rows]

    def last_utterance_seq(self) -> int:
        return self.db.read().execute("SELECT COALESCE(MAX(seq), 0) FROM utterances").fetchone()[0]
