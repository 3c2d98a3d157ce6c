"""The dashboard's figures, read through the store. No Flask.

History and the charts' named counts are in server.history; the trends over weeks and months
in server.trends.queries. Nights: a debrief belongs to the evening it started on
(server.trends.nights).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from server.routines.due import from_iso as parse_iso, to_iso as iso_utc
from server.store import Store
from server.trends.nights import night_of, night_start

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
