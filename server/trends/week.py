"""This week's figures, for the Today card and the weekly review's opening (the same dict, the same words).

Shared entries only: the summary is said aloud to both partners and shown in the Together view.
The week starts on Monday at the hour a night starts (server.trends.nights), so a debrief after
midnight on Sunday still counts for Sunday.
"""

from __future__ import annotations

import sqlite3
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from server.routines.due import to_iso as iso_utc
from server.trends.nights import night_of, night_start, week_monday


def week_start(now: datetime) -> datetime:
    return night_start(week_monday(night_of(now)))


def week_figures(conn: sqlite3.Connection, now: datetime) -> dict[str, Any]:
    """{"debriefs", "heard": [both yes, both answered], "named": [partner, need, times] | None, "needs",
    "kept", "partly", "missed", "made", "open", "rituals": {ritual: times}} since this week's Monday."""
    since = iso_utc(week_start(now))
    debriefs = conn.execute("SELECT id FROM sessions WHERE routine = 'debrief' AND status = 'completed'"
                            " AND started_at >= ?", (since,)).fetchall()
    answers: dict[int, dict[int, str]] = defaultdict(dict)
    if debriefs:
        ids = ",".join(str(int(r["id"])) for r in debriefs)
        for row in conn.execute(f"SELECT session_id, partner_id, lower(trim(value)) AS value FROM entries"
                                f" WHERE kind = 'heard' AND private = 0 AND session_id IN ({ids}) ORDER BY id"):
            answers[row["session_id"]][row["partner_id"]] = row["value"]  # the last answer stands
    both = [a for a in answers.values() if len(a) >= 2]
    needs: Counter[tuple[str, str]] = Counter()
    for row in conn.execute("SELECT p.name, lower(trim(e.value)) AS value FROM entries e"
                            " JOIN partners p ON p.id = e.partner_id"
                            " WHERE e.kind = 'need' AND e.private = 0 AND e.created_at >= ?", (since,)):
        needs[(row["name"], row["value"])] += 1
    top = sorted(needs.items(), key=lambda kv: (-kv[1], kv[0]))
    by_need: Counter[str] = Counter()
    for (_, need), n in needs.items():
        by_need[need] += n
    outcomes = Counter(r["status"] for r in conn.execute(
        "SELECT status FROM commitments WHERE COALESCE(due_at, created_at) >= ?", (since,)))
    made = conn.execute("SELECT COUNT(*) FROM commitments WHERE created_at >= ?", (since,)).fetchone()[0]
    still_open = conn.execute("SELECT COUNT(*) FROM commitments WHERE status = 'open'").fetchone()[0]
    rituals = Counter(r["ritual"] for r in conn.execute("SELECT ritual FROM ritual_log WHERE logged_at >= ?",
                                                        (since,)))
    return {
        "debriefs": len(debriefs),
        "heard": [sum(all(v == "yes" for v in a.values()) for a in both), len(both)],
        "named": [top[0][0][0], top[0][0][1], top[0][1]] if top and top[0][1] >= 2 else None,
        "needs": [name for name, _ in sorted(by_need.items(), key=lambda kv: (-kv[1], kv[0]))[:3]],
        "kept": outcomes["kept"], "partly": outcomes["partly"], "missed": outcomes["missed"],
        "made": made, "open": still_open,
        "rituals": dict(sorted(rituals.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
