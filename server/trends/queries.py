"""Trend queries for the Charts page: plain functions over a sqlite3 connection, no Flask.

Every query over entries takes `viewer_id`: a private entry counts only in its owner's
view (None = "Together", shared entries only), and `partner_id` to narrow to one partner.
Entries count in the week of their night (server.trends.nights); promises in the week
they were due (or made, when they had no due time). Only the weeks shown are read, so a
page costs the same with two years of history as with two months.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from server.routines.due import from_iso as parse_iso, to_iso as iso_utc
from server.trends.feelings import GROUPS, OTHER, feeling_group
from server.trends.nights import night_of, night_start, recent_mondays, week_monday
from server.trends.small import Share

VISIBLE = "(e.private = 0 OR e.partner_id = :viewer)"
HEARD = ("yes", "partly", "no")
PROMISE_OUTCOMES = ("kept", "partly", "missed")
FEELING_SERIES = (*GROUPS, OTHER)


def _since(first_night: date) -> str:
    return iso_utc(night_start(first_night))


def _partner_clause(partner_id: int | None) -> str:
    return "" if partner_id is None else " AND e.partner_id = :partner"


def _weekly(rows, mondays: list[date], series: tuple[str, ...], classify) -> list[dict[str, Any]]:
    table = {monday: dict.fromkeys(series, 0) for monday in mondays}
    for row in rows:
        name = classify(row["value"])
        monday = week_monday(night_of(parse_iso(row["created_at"])))
        if name in series and monday in table:
            table[monday][name] += 1
    return [{"week": monday, **counts} for monday, counts in table.items()]


def heard_by_week(conn: sqlite3.Connection, now: datetime, viewer_id: int | None,
                  partner_id: int | None = None, weeks: int = 12) -> list[dict[str, Any]]:
    """[{"week", "yes", "partly", "no", "share"}] from the debrief's "did you feel heard?" answers.

    `share` is the Share of "yes" among that week's answers (partly is not yes).
    """
    mondays = recent_mondays(night_of(now), weeks)
    rows = conn.execute(
        "SELECT lower(trim(e.value)) AS value, e.created_at FROM entries e JOIN sessions s ON s.id = e.session_id"
        f" WHERE e.kind = 'heard' AND s.routine = 'debrief' AND e.created_at >= :since AND {VISIBLE}"
        + _partner_clause(partner_id),
        {"since": _since(mondays[0]), "viewer": viewer_id, "partner": partner_id},
    ).fetchall()
    out = _weekly(rows, mondays, HEARD, lambda v: v)
    for week in out:
        week["share"] = Share(week["yes"], sum(week[k] for k in HEARD))
    return out


def feelings_by_week(conn: sqlite3.Connection, now: datetime, viewer_id: int | None,
                     partner_id: int | None = None, weeks: int = 12, locale: str = "en") -> list[dict[str, Any]]:
    """[{"week", "pleasant", "unpleasant", "other"}]: feelings named in any routine, grouped by the feelings vocabulary."""
    mondays = recent_mondays(night_of(now), weeks)
    rows = conn.execute(
        "SELECT e.value, e.created_at FROM entries e"
        f" WHERE e.kind = 'feeling' AND e.created_at >= :since AND {VISIBLE}" + _partner_clause(partner_id),
        {"since": _since(mondays[0]), "viewer": viewer_id, "partner": partner_id},
    ).fetchall()
    return _weekly(rows, mondays, FEELING_SERIES, lambda v: feeling_group(v, locale))


def promises_by_week(conn: sqlite3.Connection, now: datetime, partner_id: int | None = None,
                     weeks: int = 12) -> list[dict[str, Any]]:
    """[{"week", "kept", "partly", "missed", "share"}] of promises (by who made them), oldest week first."""
    mondays = recent_mondays(night_of(now), weeks)
    only = "" if partner_id is None else " AND partner_id = :partner"
    rows = conn.execute(
        "SELECT COALESCE(due_at, created_at) AS at, status FROM commitments"
        " WHERE status IN ('kept', 'partly', 'missed') AND COALESCE(due_at, created_at) >= :since" + only,
        {"since": _since(mondays[0]), "partner": partner_id},
    ).fetchall()
    table = {monday: dict.fromkeys(PROMISE_OUTCOMES, 0) for monday in mondays}
    for row in rows:
        monday = week_monday(night_of(parse_iso(row["at"])))
        if monday in table:
            table[monday][row["status"]] += 1
    out = [{"week": monday, **counts} for monday, counts in table.items()]
    for week in out:
        week["share"] = Share(week["kept"], sum(week[k] for k in PROMISE_OUTCOMES))
    return out


def totals(weeks: list[dict[str, Any]], series: tuple[str, ...]) -> dict[str, int]:
    return {name: sum(w[name] for w in weeks) for name in series}


# -- needs that recur ----------------------------------------------------------------------------
def _month(day: date) -> date:
    return day.replace(day=1)


def recent_months(today: date, months: int) -> list[date]:
    out = [_month(today)]
    while len(out) < months:
        out.insert(0, _month(out[0] - timedelta(days=1)))
    return out


def needs_by_month(conn: sqlite3.Connection, now: datetime, viewer_id: int | None,
                   partner_id: int | None = None, months: int = 6, top: int = 5) -> dict[str, Any]:
    """The needs named most in the last `months` months, each with its count per month, its change
    (the last 28 nights against the 28 before), the requests made with it (same session and partner,
    newest first) and the promises made in the sessions it was named in.

    {"months": [first days], "needs": [{"need", "total", "by_month", "recent", "before", "trend",
    "requests", "promises": {"kept", "partly", "missed", "open"}}]}
    """
    today = night_of(now)
    month_list = recent_months(today, months)
    params = {"since": _since(month_list[0]), "viewer": viewer_id, "partner": partner_id}
    rows = conn.execute(
        "SELECT e.session_id, e.partner_id, lower(trim(e.value)) AS value, e.created_at FROM entries e"
        f" WHERE e.kind = 'need' AND e.created_at >= :since AND {VISIBLE}" + _partner_clause(partner_id),
        params,
    ).fetchall()
    counts: Counter[str] = Counter()
    by_month: dict[str, Counter[date]] = defaultdict(Counter)
    recent: Counter[str] = Counter()
    before: Counter[str] = Counter()
    sessions: dict[str, set[int]] = defaultdict(set)
    keys: dict[tuple[int, int], set[str]] = defaultdict(set)
    for row in rows:
        need, night = row["value"], night_of(parse_iso(row["created_at"]))
        counts[need] += 1
        by_month[need][_month(night)] += 1
        age = (today - night).days
        if age < 28:
            recent[need] += 1
        elif age < 56:
            before[need] += 1
        if row["session_id"] is not None:  # an entry added on its own (the API) has no session to match
            sessions[need].add(row["session_id"])
            keys[(row["session_id"], row["partner_id"])].add(need)
    chosen = sorted(counts, key=lambda n: (-counts[n], n))[:top]
    requests = _requests_for(conn, keys, chosen, params)
    promises = _promises_for(conn, sessions, chosen)
    needs = []
    for need in chosen:
        change = recent[need] - before[need]
        needs.append({
            "need": need, "total": counts[need], "by_month": [by_month[need][m] for m in month_list],
            "recent": recent[need], "before": before[need],
            "trend": "rose" if change > 0 else "fell" if change < 0 else "steady",
            "requests": requests.get(need, []), "promises": promises.get(need),
        })
    return {"months": month_list, "needs": needs}


def _requests_for(conn, keys: dict[tuple[int, int], set[str]], chosen: list[str], params: dict,
                  keep: int = 3) -> dict[str, list[str]]:
    """The newest `keep` distinct requests made in the same session by the partner who named the need."""
    if not chosen:
        return {}
    rows = conn.execute(
        "SELECT e.session_id, e.partner_id, e.value FROM entries e"
        f" WHERE e.kind = 'request' AND e.created_at >= :since AND {VISIBLE}" + _partner_clause(params["partner"])
        + " ORDER BY e.created_at DESC, e.id DESC",
        params,
    ).fetchall()
    out: dict[str, list[str]] = {}
    for row in rows:
        for need in keys.get((row["session_id"], row["partner_id"]), ()):
            if need in chosen:
                bucket = out.setdefault(need, [])
                if len(bucket) < keep and row["value"] not in bucket:
                    bucket.append(row["value"])
    return out


def _promises_for(conn, sessions: dict[str, set[int]], chosen: list[str]) -> dict[str, dict[str, int]]:
    """{need: {status: count}} of the promises made in the sessions (repairs) where the need was named."""
    wanted = {sid for need in chosen for sid in sessions[need]}
    if not wanted:
        return {}
    ids = ",".join(str(int(i)) for i in wanted)
    rows = conn.execute(f"SELECT session_id, status FROM commitments WHERE session_id IN ({ids})").fetchall()
    by_session: dict[int, Counter[str]] = defaultdict(Counter)
    for row in rows:
        by_session[row["session_id"]][row["status"]] += 1
    out = {}
    for need in chosen:
        total: Counter[str] = Counter()
        for sid in sessions[need]:
            total.update(by_session.get(sid, {}))
        if total:
            out[need] = {status: total[status] for status in (*PROMISE_OUTCOMES, "open")}
    return out


# -- the calendar --------------------------------------------------------------------------------
def calendar(conn: sqlite3.Connection, now: datetime, weeks: int = 12) -> list[dict[str, Any]]:
    """The last `weeks` weeks, oldest first: {"week", "days": [{"day", "debrief", "review", "rituals"}]}.

    `debrief` per night: "done" (a debrief completed), "skipped" (the reminder was skipped on
    purpose), "stopped" (started, ended early), "missed" (none of these, on a past night since the
    first debrief), "tonight" (today, not yet), "" (before the first debrief, or still to come).
    """
    today = night_of(now)
    mondays = recent_mondays(today, weeks)
    since = _since(mondays[0])
    first = conn.execute("SELECT MIN(started_at) FROM sessions WHERE routine = 'debrief'").fetchone()[0]
    first_night = night_of(parse_iso(first)) if first else None
    debriefs: dict[date, str] = {}
    reviews: set[date] = set()
    for row in conn.execute("SELECT routine, status, started_at FROM sessions WHERE started_at >= ?"
                            " AND routine IN ('debrief', 'weekly_review')", (since,)):
        night = night_of(parse_iso(row["started_at"]))
        if row["routine"] == "weekly_review":
            reviews.add(night)
        elif row["status"] == "completed":
            debriefs[night] = "done"
        elif row["status"] != "active":  # one still running is tonight's, not stopped
            debriefs.setdefault(night, "stopped")
    skipped = {date.fromisoformat(r[0]) for r in conn.execute(
        "SELECT day FROM reminders WHERE kind = 'debrief' AND status = 'skipped' AND day >= ?",
        (mondays[0].isoformat(),))}
    rituals: dict[date, list[str]] = defaultdict(list)
    for row in conn.execute("SELECT ritual, logged_at FROM ritual_log WHERE logged_at >= ? ORDER BY logged_at",
                            (since,)):
        rituals[night_of(parse_iso(row["logged_at"]))].append(row["ritual"])
    out = []
    for monday in mondays:
        days = []
        for offset in range(7):
            day = monday + timedelta(days=offset)
            state = debriefs.get(day, "")
            if state != "done" and day in skipped:
                state = "skipped"
            elif not state and day == today:
                state = "tonight"
            elif not state and first_night is not None and first_night <= day < today:
                state = "missed"
            days.append({"day": day, "debrief": state, "review": day in reviews, "rituals": rituals.get(day, [])})
        out.append({"week": monday, "days": days})
    return out


def calendar_totals(weeks: list[dict[str, Any]]) -> dict[str, int]:
    days = [d for w in weeks for d in w["days"]]
    out = Counter(d["debrief"] for d in days)
    return {"done": out["done"], "skipped": out["skipped"], "stopped": out["stopped"], "missed": out["missed"],
            "reviews": sum(d["review"] for d in days), "rituals": sum(len(d["rituals"]) for d in days)}
