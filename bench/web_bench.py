"""Web page render time with two years of nightly debriefs in the database.

Seeds a temporary database (straight SQL, like the app's own tables) with N nights
of debriefs (about 9 in 10 nights, 16 entries each, an utterance log), a repair with
a promise most weeks, a private needs inventory every few days, rituals, and a
weekly review each week; then times GET requests through the WSGI app (Flask's
test client: no network, full request handling including the security guards and
templates) and writes bench/results/web.md.

    .venv/bin/python bench/web_bench.py [--nights 730] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from server import create_app  # noqa: E402
from attune.settings import Settings  # noqa: E402

TARGET_MS = 100.0
NOW = datetime(2026, 11, 26, 18, 0, tzinfo=timezone.utc)
FEELINGS = ("tired", "grateful", "anxious", "calm", "hurt", "hopeful", "frustrated", "lonely", "relieved", "happy")
NEEDS = ("rest", "connection", "reassurance", "space", "help", "appreciation", "fun", "quiet")
DEBRIEF_ENTRIES = ("appreciation", "hardest", "feeling", "need", "request", "reflection", "heard", "win")
HEARD = ("yes", "yes", "yes", "partly", "no")
SAID = {
    "appreciation": ("thanks for making dinner", "you listened when I was upset", "the coffee this morning",
                     "you picked up the kids", "you made me laugh at breakfast"),
    "hardest": ("the meeting ran late and I felt rushed", "the drive home in the rain", "we argued about money",
                "I missed my mother's call", "too many emails, no lunch"),
    "reflection": ("you felt rushed and wanted a quiet evening", "it sounds like the day was long and lonely",
                   "you were worried about money and needed us to plan together"),
    "win": ("I went for a run", "we ate together without phones", "I asked for help early",
            "we laughed about the cat"),
}
PROMISES = ("call when running late", "put phones away at dinner", "take the bins out on Tuesday",
            "plan a date night", "ask before inviting friends over")
REQUESTS = ("an early night", "a hug after work", "ten quiet minutes", "help with dinner", "a walk together")
PAGES = (
    ("today", "/"),
    ("routine", "/routine"),
    ("history", "/history"),
    ("history, one partner, page 10", "/history?partner=2&page=10"),
    ("history, weekly reviews", "/history?routine=weekly_review"),
    ("charts (trends, both)", "/charts"),
    ("charts, one partner, 90 days", "/charts?partner=2&days=90"),
    ("phrases", "/phrases"),
    ("settings", "/settings"),
    ("your data", "/data"),
)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def seed(conn: sqlite3.Connection, nights: int, rng: random.Random) -> dict[str, int]:
    """Write `nights` nights of history ending yesterday; returns row counts."""
    a, b = (conn.execute("SELECT id FROM partners WHERE slot = ?", (s,)).fetchone()[0] for s in (1, 2))
    sessions, entries, utterances, commitments, rituals, reviews, reminders = [], [], [], [], [], [], []
    next_id = 1

    def session(routine: str, start: datetime, status: str = "completed") -> int:
        nonlocal next_id
        sid, next_id = next_id, next_id + 1
        sessions.append((sid, routine, status, iso(start), iso(start + timedelta(minutes=10)), iso(start)))
        return sid

    for n in range(nights, 0, -1):
        start = NOW - timedelta(days=n) + timedelta(minutes=rng.randint(-60, 60)) + timedelta(hours=3)
        if rng.random() < 0.9:
            sid = session("debrief", start, "completed" if rng.random() < 0.95 else "stopped")
            for kind in DEBRIEF_ENTRIES:
                for who in (a, b):
                    value = (rng.choice(FEELINGS) if kind == "feeling" else rng.choice(NEEDS) if kind == "need"
                             else rng.choice(HEARD) if kind == "heard"
                             else rng.choice(REQUESTS) if kind == "request" else rng.choice(SAID[kind]))
                    entries.append((sid, who, kind, value, kind, 0, iso(start)))
            for k in range(30):
                utterances.append((sid, "prompt", "debrief", f"s{k}", f"prompt {k}", k * 20.0, iso(start)))
        elif rng.random() < 0.5:  # a night without a debrief: about half of them skipped on purpose
            day = (start - timedelta(hours=4)).date().isoformat()
            reminders.append(("debrief", day, iso(start), "skipped", iso(start)))
        if n % 7 == 3 and rng.random() < 0.8:
            sid = session("repair", start + timedelta(hours=-2))
            who = rng.choice((a, b))
            entries.append((sid, who, "rupture", "what happened", "rupture", 0, iso(start)))
            entries.append((sid, who, "impact", "when this happened I felt left out", "impact", 0, iso(start)))
            entries.append((sid, who, "need", rng.choice(NEEDS), "need", 0, iso(start)))
            entries.append((sid, who, "request", rng.choice(REQUESTS), "request", 0, iso(start)))
            status = rng.choice(("kept", "kept", "partly", "missed")) if n > 3 else "open"
            due = start + timedelta(days=3)
            other = b if who == a else a  # the partner who heard the need makes the promise
            commitments.append((sid, other, rng.choice(PROMISES), iso(due), status, iso(start), iso(due)))
        if n % 4 == 0:
            sid = session("inventory", start + timedelta(hours=-1))
            who = rng.choice((a, b))
            entries.append((sid, who, "feeling", rng.choice(FEELINGS), "feeling", 1, iso(start)))
            entries.append((sid, who, "need", rng.choice(NEEDS), "need", 1, iso(start)))
            entries.append((sid, who, "request", "private request", "request", 1, iso(start)))
        if n % 7 == 0:
            rituals.append(("weekly meal", None, None, iso(start)))
            sid = session("weekly_review", start + timedelta(minutes=20))
            monday = (start - timedelta(days=start.weekday())).date().isoformat()
            figures = {"debriefs": rng.randint(4, 7), "needs": ["rest", "connection"], "kept": 1, "made": 1,
                       "rituals": {"weekly meal": 1}}
            reviews.append((sid, monday, json.dumps(figures), "talking", "late nights", "start earlier", iso(start)))
    conn.executemany("INSERT INTO sessions (id, routine, status, started_at, ended_at, state, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, '{}', ?)", sessions)
    conn.executemany("INSERT INTO entries (session_id, partner_id, kind, value, step, private, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", entries)
    conn.executemany("INSERT INTO utterances (session_id, kind, routine, step, text, clock_s, created_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", utterances)
    conn.executemany("INSERT INTO commitments (session_id, partner_id, what, due_at, status, created_at, updated_at)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?)", commitments)
    conn.executemany("INSERT INTO ritual_log (ritual, partner_id, note, logged_at) VALUES (?, ?, ?, ?)", rituals)
    conn.executemany("INSERT INTO weekly_reviews (session_id, week_start, figures, worked, didnt_work, adjust,"
                     " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)", reviews)
    conn.executemany("INSERT INTO reminders (kind, day, due_at, status, updated_at) VALUES (?, ?, ?, ?, ?)",
                     reminders)
    conn.execute("ANALYZE")
    return {"sessions": len(sessions), "entries": len(entries), "utterances": len(utterances),
            "commitments": len(commitments), "weekly_reviews": len(reviews), "ritual_log": len(rituals),
            "reminders": len(reminders)}


def measure(client, path: str, requests: int) -> list[float]:
    for _ in range(5):  # warm-up: template compilation, SQLite page cache
        assert client.get(path).status_code == 200, path
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, path
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nights", type=int, default=730)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "web.md")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=Path(tmp) / "bench.sqlite3", partners=("Alex", "Sam"))
        app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": NOW.timestamp})
        db = app.extensions["attune.db"]
        started = time.perf_counter()
        with db.write() as conn:
            counts = seed(conn, args.nights, random.Random(7))
        seed_s = time.perf_counter() - started
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        size_mb = settings.db_path.stat().st_size / 1e6
        client = app.test_client()
        results = [(label, path, measure(client, path, args.requests)) for label, path in PAGES]
        db.close()

    lines = [
        "# Web page render time",
        "",
        f"Database: {args.nights} nights ({args.nights / 365:.1f} years) seeded in {seed_s:.1f} s, "
        f"{size_mb:.1f} MB: " + ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in counts.items()) + ".",
        "",
        f"Each page requested {args.requests} times (after 5 warm-up requests) through the WSGI app with "
        "Flask's test client in one thread: routing, security guards, SQL, templates; no network. "
        f"Target: median and p95 under {TARGET_MS:.0f} ms.",
        "",
        "| page | path | median ms | p95 ms | max ms | under target |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    ok = True
    for label, path, times in results:
        med, high = statistics.median(times), p95(times)
        ok = ok and high < TARGET_MS
        lines.append(f"| {label} | `{path}` | {med:.1f} | {high:.1f} | {max(times):.1f} | "
                     f"{'yes' if high < TARGET_MS else 'NO'} |")
    lines += [
        "",
        f"Machine: {platform.machine()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"{platform.system()} (2 cores shared with other work while this ran).",
        f"Command: `.venv/bin/python bench/web_bench.py --nights {args.nights} --requests {args.requests}`.",
        "",
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
