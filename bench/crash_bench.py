"""Crash safety: SIGKILL a real `attune serve` at random moments during a stream of writes.

One kill cycle: start `python -m attune serve` (waitress) on a fixed loopback port and
one database file, let a writer thread POST entries, repair commitments and ritual
log lines (each with an `Idempotency-Key` and a unique marker text) over a keep-alive
connection, plus answers posted to a running debrief (`/events`), and SIGKILL the server after a
random 20-300 ms. Then, with no server
running, open the file with sqlite3 and check:

- `PRAGMA integrity_check` is "ok" and `PRAGMA foreign_key_check` is empty;
- every acknowledged write (a 2xx came back) is present exactly once.

The request that was in flight when the server died is replayed first thing in the
next cycle with the same key (what the voice loop's journal does): it must then be
present exactly once, whether or not the killed server had committed it.
A final start checks the API's own counts against the acknowledged writes.

`tests/reliability/test_crash.py` asserts on `run()`; this script reports it:

    .venv/bin/python bench/crash_bench.py [--cycles 200] [--seed 7]

and writes the "crash" section of bench/results/reliability.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import select
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from results_md import update_section  # noqa: E402

PARTNERS = ("Alex", "Sam")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(base: Path) -> dict[str, str]:
    """A clean environment: no user config, partners Alex and Sam, data under `base`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env.update(ATTUNE_CONFIG=str(base / "no-config.toml"), ATTUNE_PARTNERS=",".join(PARTNERS),
               PYTHONUNBUFFERED="1", XDG_DATA_HOME=str(base / "data"), XDG_CONFIG_HOME=str(base / "config"))
    return env


def start_server(db_path: Path, port: int, env: dict[str, str], log_path: Path,
                 timeout: float = 30.0) -> subprocess.Popen:
    """Start `attune serve` and return once it printed its banner (the socket is bound by then)."""
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "attune", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--db", str(db_path)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=log)
    deadline = time.monotonic() + timeout
    buffered = b""
    while b"\n" not in buffered:
        left = deadline - time.monotonic()
        ready, _, _ = select.select([process.stdout], [], [], max(left, 0))
        chunk = os.read(process.stdout.fileno(), 4096) if ready else b""
        if not chunk:
            process.kill()
            process.wait()
            raise RuntimeError(f"attune serve did not start (exit {process.returncode}): "
                               f"{log_path.read_text(errors='replace')[-2000:]}")
        buffered += chunk
    return process


@dataclass
class Write:
    """One POST: where, what, its Idempotency-Key and the unique marker text it stores."""

    path: str
    body: dict
    key: str
    marker: str


def make_write(n: int, rng: random.Random, run_id: str, events: bool = True) -> Write:
    marker = f"crash-{run_id}-{n}"
    kind = n % 4 if events else n % 3
    if kind == 3:
        # An answer in the running debrief's talk segment: routine state, entry and utterances in one transaction.
        return Write("/api/v1/events", {"text": marker, "partner": "Alex", "source": "voice"}, f"k-{run_id}-{n}",
                     marker)
    if kind == 0:
        return Write("/api/v1/entries", {"partner": rng.choice(PARTNERS), "kind": "note", "value": marker,
                                         "private": rng.random() < 0.3}, f"k-{run_id}-{n}", marker)
    if kind == 1:
        return Write("/api/v1/commitments", {"partner": rng.choice(PARTNERS), "what": marker},
                     f"k-{run_id}-{n}", marker)
    return Write("/api/v1/ritual-log", {"ritual": "walk", "partner": rng.choice(PARTNERS), "note": marker},
                 f"k-{run_id}-{n}", marker)


@dataclass
class CrashReport:
    cycles: int = 0
    kills: int = 0
    acked: int = 0
    acked_events: int = 0
    """Acknowledged answers to the running debrief (POST /events)."""
    in_flight_at_kill: int = 0
    replayed_committed: int = 0
    """In-flight writes the killed server had committed (the replay got the stored answer)."""
    replayed_new: int = 0
    """In-flight writes the killed server had not committed (the replay wrote them)."""
    integrity_failures: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    api_mismatch: list[str] = field(default_factory=list)
    startup_s: list[float] = field(default_factory=list)
    alive_ms: list[float] = field(default_factory=list)
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return not (self.integrity_failures or self.lost or self.doubled or self.errors or self.api_mismatch)


class Writer(threading.Thread):
    """Sends writes until the connection dies; the unacknowledged one stays `pending`."""

    def __init__(self, port: int, next_write, pending: Write | None, report: CrashReport, acked: set[str],
                 replay_stats: Counter):
        super().__init__(daemon=True)
        self.port, self.next_write, self.pending = port, next_write, pending
        self.report, self.acked, self.replay_stats = report, acked, replay_stats
        self.replaying = pending is not None

    def run(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            while True:
                write = self.pending or self.next_write()
                self.pending = write
                data = json.dumps(write.body).encode()
                try:
                    conn.request("POST", write.path, body=data, headers={
                        "Content-Type": "application/json", "Idempotency-Key": write.key})
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    return  # the server was killed; `pending` is replayed next cycle
                if 200 <= response.status < 300:
                    self.acked.add(write.marker)
                    self.report.acked += 1
                    self.report.acked_events += write.path.endswith("/events")
                    if self.replaying:
                        replayed = response.getheader("Idempotent-Replayed") == "true"
                        self.replay_stats["committed" if replayed else "new"] += 1
                        self.replaying = False
                    self.pending = None
                else:
                    self.report.errors.append(f"{write.path} -> {response.status}")
                    self.pending = None
        finally:
            conn.close()


def start_debrief(port: int) -> None:
    """Walk a slow-clock debrief to its first talk segment, where every text is an entry."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        for path, body in (("/api/v1/routines", {"routine": "debrief", "time_scale": 0.01}),
                           ("/api/v1/events", {"intent": "Yes", "partner": "Alex"}),
                           ("/api/v1/events", {"intent": "Yes", "partner": "Sam"})):
            conn.request("POST", path, body=json.dumps(body), headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            view = json.loads(response.read())
            if response.status >= 300:
                raise RuntimeError(f"{path} -> {response.status}: {view}")
        if view["routine"]["step"] != "appreciation.1":
            raise RuntimeError(f"debrief is at {view['routine']['step']}, not appreciation.1")
    finally:
        conn.close()


def warm_up(port: int) -> None:
    """One text event, so the server has loaded its intent matcher before the kill timer starts.

    (Loading it takes about half a second; without this, every answer to the debrief would be cut
    off while the matcher loads, and the stream of writes would stall on it.)
    """
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/events", body=json.dumps({"text": "how much time is left", "partner": "Alex"}),
                     headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"warm-up event -> {response.status}")
    finally:
        conn.close()


def visible_entries(db_path: Path, viewer: str) -> int:
    """Entries the API should count for `viewer`: shared ones and the viewer's own private ones."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute("SELECT COUNT(*) FROM entries e JOIN partners p ON p.id = e.partner_id"
                            " WHERE e.private = 0 OR p.name = ?", (viewer,)).fetchone()[0]
    finally:
        conn.close()


def sealed_words(conn: sqlite3.Connection) -> list[str]:
    """Private entries' words, opened with their partner's key (no passcode is set in this bench)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from server.vault import Vault

    keys = {pid: X25519PrivateKey.from_private_bytes(raw) for pid, raw in
            conn.execute("SELECT partner_id, private_key FROM partner_keys WHERE salt IS NULL")}
    words = [Vault.open(keys[pid], pid, sealed) if pid in keys else None
             for pid, sealed in conn.execute("SELECT partner_id, sealed FROM entries WHERE sealed IS NOT NULL")]
    return [w for w in words if w and w.startswith("crash-")]


def verify_file(db_path: Path, acked: set[str], report: CrashReport, cycle: int) -> Counter:
    """Integrity and presence check straight on the file (no server running)."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if result != ["ok"]:
            report.integrity_failures.append(f"cycle {cycle}: {result[:3]}")
        bad_fk = conn.execute("PRAGMA foreign_key_check").fetchall()
        if bad_fk:
            report.integrity_failures.append(f"cycle {cycle}: foreign keys {bad_fk[:3]}")
        counts = Counter(r[0] for r in conn.execute(
            "SELECT value FROM entries WHERE value LIKE 'crash-%'"
            " UNION ALL SELECT what FROM commitments WHERE what LIKE 'crash-%'"
            " UNION ALL SELECT note FROM ritual_log WHERE note LIKE 'crash-%'"))
        counts.update(sealed_words(conn))
    finally:
        conn.close()
    for marker in acked:
        if counts[marker] == 0:
            report.lost.append(f"cycle {cycle}: {marker}")
    report.doubled.extend(f"cycle {cycle}: {m}" for m, n in counts.items() if n > 1)
    return counts


def api_entry_total(port: int, viewer: str) -> int:
    """How many entries the API reports to `viewer` (shared ones plus their own private ones)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", f"/api/v1/entries?limit=1&as={viewer}")
        return json.loads(conn.getresponse().read())["total"]
    finally:
        conn.close()


def run(cycles: int = 200, workdir: Path | None = None, seed: int = 7, min_ms: float = 20,
        max_ms: float = 300, lanes: int = 2, progress=None) -> CrashReport:
    """`cycles` kill cycles split over `lanes` servers run side by side (each its own file and port)."""
    reports: list[CrashReport] = [CrashReport() for _ in range(lanes)]
    share = [cycles // lanes + (1 if i < cycles % lanes else 0) for i in range(lanes)]
    started = time.monotonic()

    def lane(i: int) -> None:
        where = None if workdir is None else Path(workdir) / f"lane{i}"
        try:
            reports[i] = run_lane(share[i], where, seed * 100 + i, min_ms, max_ms, progress)
        except Exception as exc:  # reported, so the caller sees the lane failed
            reports[i].errors.append(f"lane {i}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=lane, args=(i,)) for i in range(lanes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    total = CrashReport()
    for part in reports:
        for name, value in vars(part).items():
            if isinstance(value, list):
                getattr(total, name).extend(value)
            elif name != "wall_s":
                setattr(total, name, getattr(total, name) + value)
    total.wall_s = time.monotonic() - started
    return total


def run_lane(cycles: int, workdir: Path | None = None, seed: int = 7, min_ms: float = 20,
             max_ms: float = 300, progress=None) -> CrashReport:
    """Run `cycles` start/write/SIGKILL/verify cycles on one database; returns the figures."""
    rng = random.Random(seed)
    owned = workdir is None
    base = Path(tempfile.mkdtemp(prefix="attune-crash-")) if owned else Path(workdir)
    base.mkdir(parents=True, exist_ok=True)
    db_path, log_path = base / "attune.sqlite3", base / "serve.log"
    env, port = server_env(base), free_port()
    report, acked, replay_stats = CrashReport(), set(), Counter()
    run_id = f"{seed}x{rng.randrange(10**6)}"
    counter = iter(range(10**9))
    routine_cycle = [False]
    next_write = lambda: make_write(next(counter), rng, run_id, routine_cycle[0])  # noqa: E731
    pending: Write | None = None
    started = time.monotonic()
    for cycle in range(cycles):
        t0 = time.monotonic()
        process = start_server(db_path, port, env, log_path)
        report.startup_s.append(time.monotonic() - t0)
        if cycle == 0:
            start_debrief(port)
        # Every 4th cycle also answers the debrief; those (and replays of an answer) warm the matcher up first.
        routine_cycle[0] = cycle % 4 == 0
        if routine_cycle[0] or (pending is not None and pending.path.endswith("/events")):
            warm_up(port)
        if pending is not None:
            report.in_flight_at_kill += 1
        writer = Writer(port, next_write, pending, report, acked, replay_stats)
        alive = rng.uniform(min_ms, max_ms) / 1000
        t1 = time.monotonic()
        writer.start()
        time.sleep(alive)
        process.send_signal(signal.SIGKILL)
        process.wait()
        report.alive_ms.append((time.monotonic() - t1) * 1000)
        process.stdout.close()
        report.kills += 1
        writer.join(15)
        pending = writer.pending
        report.cycles += 1
        verify_file(db_path, acked, report, cycle)
        if progress and (cycle + 1) % 25 == 0:
            progress(f"{cycle + 1}/{cycles} kills, {report.acked} acknowledged writes")
    # Last start: replay the final in-flight write, then compare the API's own count of entries.
    process = start_server(db_path, port, env, log_path)
    try:
        if pending is not None:
            report.in_flight_at_kill += 1
            _replay_one(port, pending, report, acked, replay_stats)
        verify_file(db_path, acked, report, cycles)
        for viewer in PARTNERS:
            expected = visible_entries(db_path, viewer)
            seen = api_entry_total(port, viewer)
            if seen != expected:
                report.api_mismatch.append(f"entries visible to {viewer}: API {seen}, file {expected}")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
        process.stdout.close()
    report.replayed_committed, report.replayed_new = replay_stats["committed"], replay_stats["new"]
    report.wall_s = time.monotonic() - started
    if owned and report.ok:
        for path in base.iterdir():
            path.unlink()
        base.rmdir()
    return report


def _replay_one(port: int, write: Write, report: CrashReport, acked: set[str], replay_stats: Counter) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("POST", write.path, body=json.dumps(write.body).encode(),
                     headers={"Content-Type": "application/json", "Idempotency-Key": write.key})
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    if 200 <= response.status < 300:
        acked.add(write.marker)
        report.acked += 1
        replay_stats["committed" if response.getheader("Idempotent-Replayed") == "true" else "new"] += 1
    else:
        report.errors.append(f"replay {write.path} -> {response.status}")


def run_startup_kills(cycles: int = 20, workdir: Path | None = None, seed: int = 3,
                      max_ms: float = 900) -> dict:
    """SIGKILL `attune serve` a random 0-`max_ms` after launch, while it creates and migrates a fresh
    database (every other cycle) or opens an existing one; then a normal start must come up on it with
    the full schema, and `PRAGMA integrity_check` must pass. Returns {"kills", "failures": [...]}."""
    rng = random.Random(seed)
    base = Path(tempfile.mkdtemp(prefix="attune-startkill-")) if workdir is None else Path(workdir)
    base.mkdir(parents=True, exist_ok=True)
    env, port = server_env(base), free_port()
    failures: list[str] = []
    import server.db as server_db

    latest = server_db.migrations()[-1][0]
    for cycle in range(cycles):
        db_path = base / f"attune-{cycle // 2}.sqlite3"  # even cycles: a fresh file; odd: the same again
        with open(base / "serve.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "attune", "serve", "--host", "127.0.0.1", "--port", str(port),
                 "--db", str(db_path)], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log)
        time.sleep(rng.uniform(0, max_ms) / 1000)
        process.send_signal(signal.SIGKILL)
        process.wait()
        try:
            survivor = start_server(db_path, port, env, base / "serve.log")
        except RuntimeError as exc:
            failures.append(f"cycle {cycle}: no restart after the kill: {exc}")
            continue
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            conn.request("GET", "/api/v1/health")
            health = json.loads(conn.getresponse().read())
            conn.close()
            if health.get("schema_version") != latest:
                failures.append(f"cycle {cycle}: schema {health.get('schema_version')}, expected {latest}")
        finally:
            survivor.send_signal(signal.SIGTERM)
            survivor.wait(15)
            survivor.stdout.close()
        check = sqlite3.connect(db_path)
        try:
            result = [r[0] for r in check.execute("PRAGMA integrity_check")]
        finally:
            check.close()
        if result != ["ok"]:
            failures.append(f"cycle {cycle}: {result[:3]}")
    return {"kills": cycles, "failures": failures}


def summary(report: CrashReport) -> str:
    startup = sorted(report.startup_s)
    return "\n".join([
        f"- kills survived: **{report.kills - len(report.integrity_failures)} of {report.kills}** SIGKILLs "
        f"(`PRAGMA integrity_check` ok and no foreign-key violations after every one)",
        f"- acknowledged writes: {report.acked} ({report.acked_events} of them debrief answers via /events); "
        f"lost: {len(report.lost)}; doubled: {len(report.doubled)}; "
        f"unexpected errors: {len(report.errors)}",
        f"- writes in flight at a kill and replayed with the same Idempotency-Key: {report.in_flight_at_kill} "
        f"({report.replayed_committed} had been committed before the kill and were answered from the "
        f"idempotency record, {report.replayed_new} had not and were written once by the replay, the rest "
        f"were cut off again by the next kill and replayed later)",
        f"- server alive per cycle: {min(report.alive_ms):.0f}-{max(report.alive_ms):.0f} ms "
        f"(scheduled: a random 20-300 ms after the writer starts); start-up to banner p50 "
        f"{statistics.median(startup) * 1000:.0f} ms, max {startup[-1] * 1000:.0f} ms",
        f"- wall time: {report.wall_s:.0f} s (two servers killed side by side, each on its own file)",
    ])


METHOD = """Method (`bench/crash_bench.py`, asserted by `tests/reliability/test_crash.py`): each cycle starts a
real `attune serve` (waitress, WAL, `synchronous={sync}`) on one database file, a writer thread POSTs
entries, repair commitments, ritual-log lines and answers to a running debrief (`POST /events` in a
talk segment: routine state, entry and utterances in one transaction) over a keep-alive connection,
each with an `Idempotency-Key` and a unique marker, and the server gets SIGKILL a random 20-300 ms after
the writer starts. Every 4th cycle also posts debrief answers; it first sends one warm-up text event that
loads the intent matcher (half a second), so the answers are not all cut off while it loads. With no
server running the file is opened with sqlite3: `PRAGMA integrity_check`, `PRAGMA foreign_key_check`,
and every acknowledged marker must be present exactly once. The write that was in flight at the kill is
replayed with the same key at the next start (what the voice loop's journal does). A last start checks
the API's counts against the file."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "reliability.md")
    args = parser.parse_args(argv)
    report = run(args.cycles, seed=args.seed, progress=lambda m: print(m, flush=True))
    text = summary(report)
    startup = run_startup_kills(20)
    text += (f"\n- kills during start-up (0-900 ms after launch, half of them while a fresh file is created "
             f"and migrated): {startup['kills'] - len(startup['failures'])} of {startup['kills']} left a database "
             f"that the next start opened with the full schema and that passed `integrity_check`")
    print(text)
    for problem in (report.integrity_failures + report.lost + report.doubled + report.errors
                    + report.api_mismatch)[:20]:
        print("PROBLEM:", problem)
    sync = re.search(r"PRAGMA synchronous=(\w+)", (ROOT / "server" / "db.py").read_text())
    method = METHOD.replace("{sync}", sync.group(1) if sync else "?")
    update_section(args.out, "crash", "## Crash safety (SIGKILL during writes)\n\n" + method + "\n\n"
                   + f"Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
                     f"seed {args.seed}:\n\n" + text + "\n")
    return 0 if report.ok and not startup["failures"] else 1


if __name__ == "__main__":
    sys.exit(main())
