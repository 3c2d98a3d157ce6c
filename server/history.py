"""Read-only listings over the database for the History page and the charts' named counts. No Flask.

Beside the store, which writes and reads one thing at a time, these list many sessions at once.
Every query that touches entries takes `viewer_id`: a private entry is returned only when the
viewer is its owner (None = the "Together" view, which shows shared entries only), by the same
rule as the trends (server.trends.queries.VISIBLE).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from server.routines.due import to_iso as iso_utc
from server.trends.queries import VISIBLE as _VISIBLE


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
