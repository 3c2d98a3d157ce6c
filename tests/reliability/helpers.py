"""Shared helpers for the reliability tests: a database snapshot and an app on a temporary file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server import create_app
from attune.settings import Settings


def snapshot(db_path: Path | str) -> dict[str, list[tuple]]:
    """Every row of every table, read through a separate connection (sees only committed data)."""
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {t: conn.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    finally:
        conn.close()


def make_app(db_path: Path, **settings):
    """An app on `db_path` with partners Alex and Sam (and any other Settings fields)."""
    settings.setdefault("partners", ("Alex", "Sam"))
    return create_app({"ATTUNE_SETTINGS": Settings(db_path=db_path, **settings), "TESTING": True})


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(t for t in set(before) | set(after) if before.get(t) != after.get(t))


class Listener:
    """`attune listen --text --json` as a subprocess, fed one line at a time (what a voice would say)."""

    def __init__(self, server, tmp_path: Path, *extra: str):
        import subprocess
        import sys

        self.journal = tmp_path / "journal.jsonl"
        self.stderr_path = tmp_path / "listen.stderr"
        self.stdout_path = tmp_path / "listen.stdout"
        env = dict(server.env, XDG_DATA_HOME=str(tmp_path / "client-data"))
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "attune", "listen", "--text", "--json", "--server", str(server),
                 "--journal", str(self.journal), *extra],
                stdin=subprocess.PIPE, stdout=out, stderr=err, text=True, cwd=Path(__file__).resolve().parents[2],
                env=env)

    def say(self, line: str) -> None:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def finish(self, timeout: float = 60.0) -> int:
        self.process.stdin.close()
        try:
            return self.process.wait(timeout)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()

    def pending_events(self) -> int:
        """Journalled events not acknowledged yet."""
        import json

        if not self.journal.exists():
            return 0
        records = [json.loads(line) for line in self.journal.read_text().splitlines() if line.strip()]
        acked = {r["key"] for r in records if r.get("op") == "ack"}
        return sum(1 for r in records if r.get("op") == "event" and r["key"] not in acked)


def wait_for(predicate, timeout: float = 30.0, what: str = "condition", interval: float = 0.05):
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def current_step(base_url: str):
    """The running routine's step, or None when idle or unreachable."""
    import json
    import urllib.request

    try:
        with urllib.request.urlopen(f"{base_url}/api/v1/routine", timeout=5) as response:
            view = json.loads(response.read())
    except OSError:
        return None
    return view.get("step") if view.get("active") else None
