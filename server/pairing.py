"""Phones paired on the home network: one-time pairing links and long-lived device tokens. No Flask.

Only SHA-256 hashes of tokens are stored: a copy of the database pairs nothing. A link is
good once, for `ttl_s` seconds (5 minutes by default). Bad link guesses back off per client
address, so the 256-bit tokens cannot be walked even slowly.
"""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any, Callable

from server.db import Database
from server.vault import token_hash

FREE_GUESSES = 5
"""Bad pairing links from one address before it must wait (then 2, 4, 8 ... s, at most 15 minutes)."""
MAX_WAIT_S = 900
LABEL_MAX = 60


class Pairing:
    def __init__(self, db: Database, clock: Callable[[], float] = time.time, ttl_s: float = 300.0, log=None):
        self.db = db
        self.clock = clock
        self.ttl_s = ttl_s
        self.log = log or (lambda *args, **kw: None)
        self._guard = threading.Lock()
        self._misses: dict[str, tuple[int, float]] = {}

    def _now(self) -> str:
        from server.store import iso_from_seconds

        return iso_from_seconds(self.clock())

    # -- links ---------------------------------------------------------------------------
    def new_link(self, partner_id: int, partner: str) -> tuple[str, float]:
        """(token, expires_at): a one-time link that pairs a phone to `partner`."""
        token = secrets.token_urlsafe(32)
        expires = self.clock() + self.ttl_s
        with self.db.write() as conn:
            conn.execute("DELETE FROM pairing_links WHERE expires_at <= ?", (self.clock(),))
            conn.execute("INSERT INTO pairing_links (token_hash, partner_id, expires_at, created_at)"
                         " VALUES (?, ?, ?, ?)", (token_hash(token), partner_id, expires, self._now()))
        self.log("pairing_link", partner, f"valid for {int(self.ttl_s)} s")
        return token, expires

    def wait_s(self, client: str) -> float:
        """Seconds `client` must wait before its next pairing attempt (0 = may try now)."""
        with self._guard:
            misses, until = self._misses.get(client, (0, 0.0))
        return max(0.0, until - self.clock())

    def link_partner(self, token: str) -> int | None:
        """The partner a live link would pair to (None if unknown, used or expired)."""
        row = self.db.read().execute("SELECT partner_id, expires_at FROM pairing_links WHERE token_hash = ?",
                                     (token_hash(token),)).fetchone()
        return row["partner_id"] if row is not None and row["expires_at"] > self.clock() else None

    def miss(self, client: str) -> None:
        with self._guard:
            misses, _ = self._misses.get(client, (0, 0.0))
            misses += 1
            wait = 0 if misses < FREE_GUESSES else min(MAX_WAIT_S, 2 ** (misses - FREE_GUESSES + 1))
            self._misses[client] = (misses, self.clock() + wait)

    def claim(self, token: str, label: str) -> tuple[str, dict[str, Any]] | None:
        """Use a link: (device token, device) or None if it is unknown, used or expired."""
        device_token = secrets.token_urlsafe(32)
        with self.db.write() as conn:
            row = conn.execute("SELECT partner_id, expires_at FROM pairing_links WHERE token_hash = ?",
                               (token_hash(token),)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM pairing_links WHERE token_hash = ?", (token_hash(token),))
            if row["expires_at"] <= self.clock():
                return None
            cur = conn.execute("INSERT INTO devices (token_hash, partner_id, label, created_at) VALUES (?, ?, ?, ?)",
                               (token_hash(device_token), row["partner_id"], label[:LABEL_MAX] or "phone",
                                self._now()))
            device = self.device(cur.lastrowid)
        self.log("device_paired", device["partner"], device["label"])
        return device_token, device

    # -- devices -------------------------------------------------------------------------
    def device(self, device_id: int) -> dict[str, Any] | None:
        row = self.db.read().execute(
            "SELECT d.id, d.partner_id, p.name AS partner, d.label, d.created_at, d.last_seen_at"
            " FROM devices d JOIN partners p ON p.id = d.partner_id WHERE d.id = ?", (device_id,)).fetchone()
        return dict(row) if row else None

    def devices(self) -> list[dict[str, Any]]:
        rows = self.db.read().execute(
            "SELECT d.id, d.partner_id, p.name AS partner, d.label, d.created_at, d.last_seen_at"
            " FROM devices d JOIN partners p ON p.id = d.partner_id ORDER BY d.id").fetchall()
        return [dict(r) for r in rows]

    def by_token(self, token: str | None) -> dict[str, Any] | None:
        """The paired device holding `token` (its last-seen time kept to the minute)."""
        if not token or len(token) > 200:
            return None
        row = self.db.read().execute("SELECT id, last_seen_at FROM devices WHERE token_hash = ?",
                                     (token_hash(token),)).fetchone()
        if row is None:
            return None
        now = self._now()
        if (row["last_seen_at"] or "")[:16] != now[:16]:
            with self.db.write() as conn:
                conn.execute("UPDATE devices SET last_seen_at = ? WHERE id = ?", (now, row["id"]))
        return self.device(row["id"])

    def revoke(self, device_id: int) -> dict[str, Any] | None:
        device = self.device(device_id)
        if device is not None:
            with self.db.write() as conn:
                conn.execute("DELETE FROM devices WHERE id = ?", (device_id,))
            self.log("device_revoked", device["partner"], device["label"])
        return device
