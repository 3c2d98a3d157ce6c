"""Read-only figures for the web page: dashboard, history and charts.

No Flask. The dashboard's come through the store; history and the charts' counts are still SQL
over a connection (the store has no per-session visible/hidden listing yet). Every query that
touches entries takes `viewer_id`: a private entry is returned only when the viewer is its owner
(None = the "Together" view, which shows shared entries only).

Nights: a debrief belongs to the evening it started on (server.trends.nights).
The trends over weeks and months are in server.trends.queries.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from server.routines.due import from_iso as parse_iso, to_iso as iso_utc
from server.store import Store
from server.trends.nights import night_of, night_start
from server.trends.queries import VISIBLE as _VISIBLE

FEELING_KINDS = ("feeling", "need")


# -- dashboard ---------------------------------------------------------------
@dataclass(frozen=True)
class Tonight:
    """Tonight's debrief: status is "done", "in_progress", "stopped" or "not_yet"."""

    status: str
    session_id: int | None
    started_at: str | None
    ended_at: str | None


def tonight(store: Store, now: datetime) -> Tonight:
    since = iso_utc(night_start(night_of(now)))
    rows = store.list_sessions(routine="debrief", since=since, limit=10_000)  # newest first
    by_status: dict[str, dict] = {}
    for row in rows:
        by_status.setdefault(row["status"], row)
    for status, label in (("active", "in_progress"), ("completed", "done")):
        if status in by_status:
            row = by_status[status]
            return Tonight(label, row["id"], row["started_at"], row["ended_at"])
    if rows:
        row = rows[0]
        return Tonight("stopped", row["id"], row["started_at"], row["ended_at"])
    return Tonight("not_yet", None, None, None)


@dataclass(frozen=True)
class Streak:
    """Debriefs completed in recent windows; counts nights done, never nights missed."""

    nights_7: int
    nights_30: int
    total: int
    last_night: date | None


def streak(store: Store, now: datetime) -> Streak:
    today = night_of(now)
    since = iso_utc(night_start(today - timedelta(days=29)))
    done = {"routine": "debrief", "status": "completed"}
    nights = {night_of(parse_iso(r["started_at"])) for r in store.list_sessions(**done, since=since, limit=10_000)}
    week = {n for n in nights if n > today - timedelta(days=7)}
    newest = store.list_sessions(**done, limit=1)
    last = night_of(parse_iso(newest[0]["started_at"])) if newest else None
    return Streak(len(week), len(nights), store.count_sessions(**done), last)


def open_promises(store: Store, limit: int = 20) -> list[dict[str, Any]]:
    """Open promises, soonest due first, undated last (oldest first among equals)."""
    found = store.list_commitments(status="open", limit=100_000)
    found.sort(key=lambda c: (c["due_at"] is None, c["due_at"] or "", c["id"]))
    return found[:limit]


def rituals_since(store: Store, since: datetime) -> list[tuple[str, int]]:
    """[(ritual, times logged)] since a moment, most frequent first."""
    counts = Counter(r["ritual"] for r in store.rituals(since=iso_utc(since), limit=1_000_000))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def last_weekly_review(store: Store) -> dict[str, Any] | None:
    newest = store.weekly_reviews(limit=1)
    if not newest:
        return None
    return dict(newest[0], figures=newest[0]["figures"] or {})


# -- history -----------------------------------------------------------------
@dataclass(frozen=True)
class HistoryPage:
    """One page of sessions (newest first) with their visible entries."""

    sessions: list[dict[str, Any]]
    total: int
    page: int
    pages: int


def history(
    conn: sqlite3.Connection,
    viewer_id: int | None,
    partner_id: int | None = None,
    routine: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> HistoryPage:
    where, params = ["1 = 1"], {"viewer": viewer_id, "partner": partner_id, "routine": routine}
    if routine:
        where.append("s.routine = :routine")
    if partner_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM entries e WHERE e.session_id = s.id"
            f" AND e.partner_id = :partner AND {_VISIBLE})"
        )
    clause = " AND ".join(where)
    total = conn.execute(f"SELECT COUNT(*) FROM sessions s WHERE {clause}", params).fetchone()[0]
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = conn.execute(
        f"SELECT s.id, s.routine, s.status, s.started_at, s.ended_at FROM sessions s WHERE {clause}"
        " ORDER BY s.started_at DESC, s.id DESC LIMIT :limit OFFSET :offset",
        {**params, "limit": per_page, "offset": (page - 1) * per_page},
    ).fetchall()
    sessions = [dict(r, entries=[], hidden=0, promises=[]) for r in rows]
    by_id = {s["id"]: s for s in sessions}
    if by_id:
        _attach_entries(conn, by_id, viewer_id, partner_id)
        _attach_promises(conn, by_id)
    return HistoryPage(sessions, total, page, pages)


def _id_list(ids: Iterable[int]) -> str:
    return ",".join(str(int(i)) for i in ids)


def _attach_entries(conn, by_id: dict[int, dict], viewer_id: int | None, partner_id: int | None) -> None:
    only_partner = "" if partner_id is None else " AND e.partner_id = :partner"
    rows = conn.execute(
        "SELECT e.id, e.session_id, e.kind, e.value, e.step, e.private, e.created_at, e.sealed, e.version,"
        f" e.partner_id, p.name AS partner, {_VISIBLE} AS visible"
        " FROM entries e JOIN partners p ON p.id = e.partner_id"
        f" WHERE e.session_id IN ({_id_list(by_id)}){only_partner} ORDER BY e.id",
        {"viewer": viewer_id, "partner": partner_id},
    ).fetchall()
    for row in rows:
        session = by_id[row["session_id"]]
        if row["visible"]:
            session["entries"].append(dict(row))
        else:
            session["hidden"] += 1


def _attach_promises(conn, by_id: dict[int, dict]) -> None:
    rows = conn.execute(
        "SELECT c.id, c.session_id, c.what, c.due_at, c.status, p.name AS partner"
        " FROM commitments c JOIN partners p ON p.id = c.partner_id"
        f" WHERE c.session_id IN ({_id_list(by_id)}) ORDER BY c.id"
    ).fetchall()
    for row in rows:
        by_id[row["session_id"]]["promises"].append(dict(row))


# -- charts ------------------------------------------------------------------
def named_counts(
    conn: sqlite3.Connection, viewer_id: int | None, since: datetime, limit: int = 8
) -> dict[tuple[int, str], list[tuple[str, int]]]:
    """{(partner_id, kind): [(value, count), ...]} for feelings and needs named since `since`."""
    rows = conn.execute(
        "SELECT e.partner_id, e.kind, lower(trim(e.value)) AS value, COUNT(*) AS n FROM entries e"
        f" WHERE e.kind IN ('feeling', 'need') AND e.created_at >= :since AND {_VISIBLE} AND e.private = 0"
        " GROUP BY e.partner_id, e.kind, lower(trim(e.value))"
        " ORDER BY e.partner_id, e.kind, n DESC, value",
        {"since": iso_utc(since), "viewer": viewer_id},
    ).fetchall()
    out: dict[tuple[int, str], list[tuple[str, int]]] = {}
    for row in rows:
        bucket = out.setdefault((row["partner_id"], row["kind"]), [])
        if len(bucket) < limit:
            bucket.append((row["value"], row["n"]))
    return out
