"""A small, known couple's history written straight into the schema (tests only).

Relative to `now`: three completed debriefs in the last week (one with a private
entry), an open and a kept promise, a weekly review, an inventory with a private
entry, and a stopped debrief long ago.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta, timezone

NOW = datetime(2026, 11, 26, 20, 0, tzinfo=timezone.utc)
"""The web fixtures' clock (tests/web/conftest.py), and when the couple is seeded."""
PRIVATE_TEXT = "a private worry about work"
SHARED_FEELING = "grateful"


def iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def seed_couple(conn: sqlite3.Connection, now: datetime) -> dict[str, int]:
    """Insert the known history; returns ids of interest."""
    alex, sam = (conn.execute("SELECT id FROM partners WHERE slot = ?", (s,)).fetchone()[0] for s in (1, 2))
    ids: dict[str, int] = {"alex": alex, "sam": sam}

    def session(routine: str, start: datetime, status: str = "completed") -> int:
        cur = conn.execute(
            "INSERT INTO sessions (routine, status, started_at, ended_at, state, updated_at)"
            " VALUES (?, ?, ?, ?, '{}', ?)",
            (routine, status, iso(start), iso(start + timedelta(minutes=10)), iso(start)))
        return cur.lastrowid

    def entry(sid: int, who: int, kind: str, value: str, at: datetime, private: int = 0) -> None:
        conn.execute(
            "INSERT INTO entries (session_id, partner_id, kind, value, step, private, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (sid, who, kind, value, kind, private, iso(at)))

    for days_ago, feeling in ((1, SHARED_FEELING), (2, "tired"), (4, SHARED_FEELING)):
        start = now - timedelta(days=days_ago)
        sid = session("debrief", start)
        entry(sid, alex, "appreciation", "thanks for cooking", start)
        entry(sid, alex, "feeling", feeling, start)
        entry(sid, sam, "feeling", "calm", start)
        entry(sid, sam, "need", "rest", start)
        entry(sid, alex, "need", "connection", start)
        ids.setdefault("debrief", sid)
    ids["inventory"] = session("inventory", now - timedelta(days=3))
    entry(ids["inventory"], alex, "feeling", "anxious", now - timedelta(days=3), private=1)
    entry(ids["inventory"], alex, "note", PRIVATE_TEXT, now - timedelta(days=3), private=1)
    session("debrief", now - timedelta(days=200), status="stopped")
    conn.execute(
        "INSERT INTO commitments (session_id, partner_id, what, due_at, status, created_at, updated_at)"
        " VALUES (?, ?, 'put phones away at dinner', ?, 'open', ?, ?)",
        (ids["debrief"], sam, iso(now + timedelta(days=2)), iso(now), iso(now)))
    conn.execute(
        "INSERT INTO commitments (session_id, partner_id, what, due_at, status, created_at, updated_at)"
        " VALUES (?, ?, 'call when running late', ?, 'kept', ?, ?)",
        (ids["debrief"], alex, iso(now - timedelta(days=3)), iso(now - timedelta(days=5)), iso(now)))
    conn.execute("INSERT INTO ritual_log (ritual, logged_at) VALUES ('weekly meal', ?)", (iso(now - timedelta(days=2)),))
    monday = (now - timedelta(days=now.weekday() + 7)).date()
    conn.execute(
        "INSERT INTO weekly_reviews (week_start, figures, worked, didnt_work, adjust, created_at)"
        " VALUES (?, ?, 'talking after dinner', 'late nights', 'start at nine', ?)",
        (monday.isoformat(), json.dumps({"debriefs": 5, "needs": ["rest", "connection"], "kept": 1, "made": 2,
                                        "rituals": {"weekly meal": 1}}), iso(now)))
    return ids


def seed_db_file(path, now: datetime) -> dict[str, int]:
    """Seed an already-migrated database file (the app created it)."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("BEGIN")
        ids = seed_couple(conn, now)
        conn.execute("COMMIT")
        return ids
    finally:
        conn.close()
