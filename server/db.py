"""SQLite storage: one file, versioned migrations, WAL, foreign keys, one transaction per write.

The database file is created with mode 0600 before SQLite opens it; SQLite then
gives its -wal and -shm files the same mode.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Iterator

MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def utc_now() -> str:
    """Current UTC time as the ISO-8601 string stored everywhere ("...Z")."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every migration shipped in server/migrations, in order."""
    found = []
    for item in resources.files("server.migrations").iterdir():
        match = MIGRATION_NAME.match(item.name)
        if match:
            found.append((int(match.group(1)), item.name, item.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(found) + 1)):
        raise RuntimeError(f"server/migrations: versions must run 1..N without gaps, found {versions}")
    return found


def create_private_file(path: Path) -> None:
    """Create the database file readable and writable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    os.close(fd)
    # An existing file keeps whatever mode it had; tighten it.
    if (path.stat().st_mode & 0o777) != 0o600:
        os.chmod(path, 0o600)


class Database:
    """A SQLite database file with a connection per thread.

    Use `read()` for queries and `write()` for changes: `write()` is one
    `BEGIN IMMEDIATE` transaction, committed on success and rolled back on any
    exception, so a failed request never leaves a partial write.
    """

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[sqlite3.Connection] = []
        if str(self.path) != ":memory:":
            create_private_file(self.path)

    def connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30.0, isolation_level=None, check_same_thread=False
            )
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA secure_delete=ON")  # deleted words are zeroed on disk, not left in free pages
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested calls join the outer one."""
        conn = self.connection()
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def read(self) -> sqlite3.Connection:
        return self.connection()

    def schema_version(self) -> int:
        conn = self.connection()
        conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        row = conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
        return row[0] or 0

    def migrate(self) -> list[int]:
        """Apply every migration newer than the file's version; returns the versions applied."""
        applied = []
        self.schema_version()  # creates the bookkeeping table
        for version, name, sql in migrations():
            conn = self.connection()
            # executescript would commit implicitly; run statements inside our own transaction.
            with self.write():
                # Re-read inside the transaction: another process may have migrated meanwhile.
                if version <= (conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0] or 0):
                    continue
                for statement in _split_sql(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (version, name, utc_now()),
                )
            applied.append(version)
        return applied

    def close(self) -> None:
        with self._lock:
            for conn in self._connections:
                try:
                    conn.close()
                except sqlite3.Error:
                    pass
            self._connections.clear()
        self._local = threading.local()


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (SQLite's own completeness check handles ';' in strings)."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise RuntimeError(f"server/migrations: unterminated statement: {buffer.strip()[:60]}")
    return statements
