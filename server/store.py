"""Data access for every resource. Plain functions over `server.db.Database`; no Flask here."""

from __future__ import annotations

import json
import secrets
import sqlite3
from typing import Any

from server.db import Database, utc_now
from server.settings import Settings


class Store:
    """All reads and writes of attune's state. Each public write is one transaction."""

    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.settings = settings

    # -- internal settings -------------------------------------------------
    def _get_setting(self, key: str) -> Any | None:
        row = self.db.read().execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row["value"])

    def _put_setting(self, conn: sqlite3.Connection, key: str, value: Any) -> None:
        conn.execute(
            "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, json.dumps(value), utc_now()),
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
                        (slot, name, utc_now()),
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
