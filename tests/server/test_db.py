"""SQLite: migrations from an empty file, WAL, foreign keys, 0600, one transaction per write."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from server.db import Database, _split_sql, migrations


def test_migrates_an_empty_file(tmp_path):
    path = tmp_path / "empty.sqlite3"
    path.touch()
    db = Database(path)
    applied = db.migrate()
    assert applied == [v for v, _, _ in migrations()] and applied[:2] == [1, 2]
    assert db.schema_version() == len(migrations())
    tables = {r[0] for r in db.read().execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"partners", "sessions", "entries", "commitments", "idempotency", "schema_migrations"} <= tables
    assert db.migrate() == []  # running again applies nothing
    db.close()


def test_wal_foreign_keys_and_private_mode(tmp_path):
    path = tmp_path / "sub" / "attune.sqlite3"
    db = Database(path)
    db.migrate()
    conn = db.read()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    with pytest.raises(sqlite3.IntegrityError):
        with db.write() as c:
            c.execute("INSERT INTO entries (session_id, partner_id, kind, value, created_at)"
                      " VALUES (NULL, 999, 'note', 'x', 'now')")
    db.close()


def test_existing_file_mode_is_tightened(tmp_path):
    path = tmp_path / "loose.sqlite3"
    path.touch()
    os.chmod(path, 0o644)
    Database(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_failed_migration_leaves_the_file_as_it_was(tmp_path, monkeypatch):
    import server.db as dbmod

    good = migrations()
    monkeypatch.setattr(dbmod, "migrations", lambda: good[:1] + [(2, "0002_bad.sql", "CREATE TABLE t (x);\nNOT SQL;")])
    db = Database(tmp_path / "a.sqlite3")
    with pytest.raises(sqlite3.Error):
        db.migrate()
    assert db.schema_version() == 1
    assert db.read().execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchone() is None
    db.close()


def test_write_rolls_back_on_error_and_nested_writes_join(tmp_path):
    db = Database(tmp_path / "a.sqlite3")
    db.migrate()
    with pytest.raises(ValueError):
        with db.write() as conn:
            conn.execute("INSERT INTO ritual_log (ritual, logged_at) VALUES ('walk', 'now')")
            with db.write() as inner:
                inner.execute("INSERT INTO ritual_log (ritual, logged_at) VALUES ('tea', 'now')")
            raise ValueError("boom")
    assert db.read().execute("SELECT COUNT(*) FROM ritual_log").fetchone()[0] == 0
    db.close()


def test_split_sql_keeps_semicolons_in_strings():
    assert _split_sql("-- c\nINSERT INTO t VALUES ('a;b');\nSELECT 1;\n") == ["INSERT INTO t VALUES ('a;b');",
                                                                            "SELECT 1;"]
    with pytest.raises(RuntimeError):
        _split_sql("SELECT 1")


def test_two_processes_migrating_at_once_do_not_clash(tmp_path):
    path = tmp_path / "shared.sqlite3"
    first, second = Database(path), Database(path)
    assert first.migrate() == [v for v, _, _ in migrations()]
    second.schema_version = lambda: 0  # as if it had looked just before the first one migrated
    assert second.migrate() == []  # the version is re-read inside the write transaction
    first.close()
    second.close()
