"""Shared helpers for the reliability tests: a database snapshot and an app on a temporary file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from server import create_app
from server.settings import Settings


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
