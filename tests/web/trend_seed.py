"""Eleven weeks of a couple's history whose trend figures are worked out by hand (tests only).

The clock is web_seed.NOW, Thursday 26 Nov 2026 20:00 UTC (tests run in UTC): tonight is the
night of Thu 26 Nov, this week began Mon 23 Nov, the twelve weeks shown begin Mon 7 Sep, and
the six months shown are Jun to Nov. Times are UTC; a night ends at 04:00.

Debriefs (completed), with "did you feel heard?" (A = Alex, S = Sam), feelings and needs:
  Wed 16 Sep  heard A yes, S yes; need A connection                      (the first debrief)
  Wed 14 Oct  need A space, S space
  Wed 11 Nov  heard A partly, S partly; need S space
  Mon 16 Nov  heard A no, S yes; feeling A hurt, S sad; need A connection; request A "a hug after work"
  Mon 23 Nov  heard A yes, S yes; feeling A grateful, S tired; need A rest, S rest;
              requests A "an early night", S "a quiet evening"
  Tue 24 Nov  heard A yes, S partly; feeling A calm, S "Hopeful "; need S rest
  Thu 26 Nov 01:00 (the night of Wed 25)  heard A yes, S yes; feeling A zonked (no group), S relieved
Also: a debrief stopped early on Sat 21 Nov; the debrief reminder skipped on Sun 22 Nov; a weekly
review on Sun 22 Nov; "weekly meal" logged Sun 22 Nov and Wed 25 Nov; Alex's private needs
inventory on Tue 24 Nov (feeling anxious, need space).
Repairs: Fri 13 Nov (S need connection, request "call when late"; A promised "call when running
late", due Sun 15 Nov, kept) and Tue 17 Nov (A need rest, request "take the bins out"; S promised
"take the bins out", due Fri 20 Nov, missed; A "cook on Tuesday", due Tue 24 Nov, partly;
A "plan a date", due Fri 27 Nov, open; S "put phones away at dinner", due Sat 28 Nov, open).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

from web_seed import iso


def at(month: int, day: int, hour: int = 21, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def seed_trends(conn: sqlite3.Connection) -> dict[str, int]:
    alex, sam = (conn.execute("SELECT id FROM partners WHERE slot = ?", (s,)).fetchone()[0] for s in (1, 2))
    who = {"A": alex, "S": sam}

    def session(routine: str, start: datetime, status: str = "completed", entries=(), private: int = 0) -> int:
        sid = conn.execute(
            "INSERT INTO sessions (routine, status, started_at, ended_at, state, updated_at)"
            " VALUES (?, ?, ?, ?, '{}', ?)",
            (routine, status, iso(start), iso(start + timedelta(minutes=10)), iso(start))).lastrowid
        for i, (person, kind, value) in enumerate(entries):
            conn.execute("INSERT INTO entries (session_id, partner_id, kind, value, step, private, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?)",
                         (sid, who[person], kind, value, kind, private, iso(start + timedelta(minutes=i))))
        return sid

    def promise(sid: int, person: str, what: str, due: datetime, status: str, made: datetime) -> None:
        conn.execute("INSERT INTO commitments (session_id, partner_id, what, due_at, status, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", (sid, who[person], what, iso(due), status, iso(made), iso(made)))

    session("debrief", at(9, 16), entries=[("A", "heard", "yes"), ("S", "heard", "Yes"), ("A", "need", "connection")])
    session("debrief", at(10, 14), entries=[("A", "need", "space"), ("S", "need", "space")])
    session("debrief", at(11, 11), entries=[("A", "heard", "partly"), ("S", "heard", "partly"), ("S", "need", "space")])
    repair1 = session("repair", at(11, 13, 19), entries=[("S", "need", "connection"), ("S", "request", "call when late")])
    promise(repair1, "A", "call when running late", at(11, 15, 12), "kept", at(11, 13, 19, 30))
    session("debrief", at(11, 16), entries=[
        ("A", "heard", "no"), ("S", "heard", "yes"), ("A", "feeling", "hurt"), ("S", "feeling", "sad"),
        ("A", "need", "connection"), ("A", "request", "a hug after work")])
    repair2 = session("repair", at(11, 17, 19), entries=[("A", "need", "rest"), ("A", "request", "take the bins out")])
    promise(repair2, "S", "take the bins out", at(11, 20, 12), "missed", at(11, 17, 19, 30))
    promise(repair2, "A", "cook on Tuesday", at(11, 24, 20), "partly", at(11, 17, 19, 31))
    promise(repair2, "A", "plan a date", at(11, 27, 18), "open", at(11, 23, 9))
    promise(repair2, "S", "put phones away at dinner", at(11, 28, 18), "open", at(11, 25, 9))
    session("debrief", at(11, 21), status="stopped")
    session("weekly_review", at(11, 22, 19))
    session("debrief", at(11, 23), entries=[
        ("A", "heard", "yes"), ("S", "heard", "yes"), ("A", "feeling", "grateful"), ("S", "feeling", "tired"),
        ("A", "need", "rest"), ("A", "request", "an early night"), ("S", "need", "rest"),
        ("S", "request", "a quiet evening")])
    session("debrief", at(11, 24), entries=[
        ("A", "heard", "yes"), ("S", "heard", "partly"), ("A", "feeling", "calm"), ("S", "feeling", "Hopeful "),
        ("S", "need", "rest")])
    session("inventory", at(11, 24, 12), entries=[("A", "feeling", "anxious"), ("A", "need", "space")], private=1)
    session("debrief", at(11, 26, 1), entries=[
        ("A", "heard", "yes"), ("S", "heard", "yes"), ("A", "feeling", "zonked"), ("S", "feeling", "relieved")])
    conn.execute("INSERT INTO reminders (kind, day, due_at, status, updated_at)"
                 " VALUES ('debrief', '2026-11-22', ?, 'skipped', ?)", (iso(at(11, 22)), iso(at(11, 22))))
    for moment in (at(11, 22, 13), at(11, 25, 19)):
        conn.execute("INSERT INTO ritual_log (ritual, logged_at) VALUES ('weekly meal', ?)", (iso(moment),))
    return {"alex": alex, "sam": sam}
