"""Export all of a couple's data (JSON, or a zip of CSV files) and delete all of it.

JSON: one document {"format": "attune-export", "version": 1, "exported_at",
"schema_version", "tables": {table: [row, ...]}}; JSON columns (session state,
weekly-review figures, setting values) are decoded into objects.

CSV: a zip holding one CSV per table (`<table>.csv`, a header row of column
names, UTF-8) plus `manifest.json` (the same header fields and row counts).
One file per table because the tables have different columns. JSON columns stay
as JSON text. A text cell that starts with = + - @ or a tab gets a leading
apostrophe so a spreadsheet does not run it as a formula; the JSON export is the
byte-faithful one.

Private entries: their words are in the export only for partners whose key was
opened for it (their passcode given for this export, or no passcode set); any other
private entry appears with its date and kind, `value` empty and `locked` true.
Left out: the session-cookie signing key (settings starting with "_"), the
idempotency cache, the migration log, the partners' (wrapped) keys, paired phones,
pairing links and the security log, which are machinery.

Delete: every row of every data table, the keys, paired phones and the security
log in one transaction, with SQLite's secure_delete on so freed pages are zeroed,
then a WAL checkpoint. The partner slots are re-created from the configured names
so the service keeps working, and the log keeps one line: that everything was deleted.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import zipfile
from contextlib import contextmanager
from typing import Any, Iterator, Sequence

from server.db import Database, utc_now

FORMAT = "attune-export"
VERSION = 1
CONFIRM_PHRASE = "delete everything"
MACHINERY = frozenset({"schema_migrations", "idempotency", "partner_keys", "passcode_attempts", "security_log",
                       "devices", "pairing_links"})
PRIVACY_TABLES = ("pairing_links", "devices", "passcode_attempts", "partner_keys", "security_log")
# Children before parents, so deletes never trip a foreign key.
TABLE_ORDER = (
    "partners", "settings", "sessions", "entries", "commitments", "custom_phrases",
    "phrase_uses", "favourites", "weekly_reviews", "ritual_log", "utterances",
)
JSON_COLUMNS = {("sessions", "state"), ("weekly_reviews", "figures"), ("settings", "value")}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def data_tables(conn: sqlite3.Connection) -> list[str]:
    """Every table holding the couple's data: the known ones in order, then any newer ones."""
    names = {
        r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if not r[0].startswith("sqlite_") and r[0] not in MACHINERY
    }
    known = [t for t in TABLE_ORDER if t in names]
    return known + sorted(names - set(known))


def _rows(conn: sqlite3.Connection, table: str, opener=None) -> tuple[list[str], list[Any]]:
    cursor = conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if table == "settings":
        rows = [r for r in rows if not str(r["key"]).startswith("_")]
    if table == "entries":
        columns = [c for c in columns if c != "sealed"] + ["locked"]
        rows = [_entry_row(dict(r), opener) for r in rows]
    return columns, rows


def _entry_row(row: dict[str, Any], opener) -> dict[str, Any]:
    """An entry as exported: a sealed one opened by `opener(partner_id, sealed)` or marked locked."""
    sealed = row.pop("sealed", None)
    text = opener(row["partner_id"], sealed) if sealed is not None and opener is not None else None
    if sealed is not None:
        row["value"] = text if text is not None else ""
    row["locked"] = int(sealed is not None and text is None)
    return row


def _decode(table: str, column: str, value: Any) -> Any:
    if (table, column) in JSON_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@contextmanager
def _snapshot(db: Database) -> Iterator[sqlite3.Connection]:
    """A read transaction, so every table is read at the same moment (joins one already open)."""
    conn = db.read()
    if conn.in_transaction:
        yield conn
        return
    conn.execute("BEGIN")
    try:
        yield conn
    finally:
        conn.execute("COMMIT")


def _schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]


def export_data(db: Database, opener=None) -> dict[str, Any]:
    """Everything as one JSON-ready dict, read in one consistent snapshot; `opener(partner_id,
    sealed)` gives a private entry's words or None (see server.privacy.export_opener)."""
    with _snapshot(db) as conn:
        tables = {}
        for table in data_tables(conn):
            columns, rows = _rows(conn, table, opener)
            tables[table] = [
                {c: _decode(table, c, row[c]) for c in columns} for row in rows
            ]
        version = _schema_version(conn)
    return {"format": FORMAT, "version": VERSION, "exported_at": utc_now(),
            "schema_version": version, "tables": tables}


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv_zip(db: Database, opener=None) -> bytes:
    """A zip with one CSV per table and a manifest.json."""
    buffer = io.BytesIO()
    manifest: dict[str, Any] = {"format": FORMAT + "-csv", "version": VERSION,
                                "exported_at": utc_now(), "tables": {}}
    with _snapshot(db) as conn:
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for table in data_tables(conn):
                columns, rows = _rows(conn, table, opener)
                text = io.StringIO()
                writer = csv.writer(text, lineterminator="\r\n")
                writer.writerow(columns)
                writer.writerows([_csv_cell(row[c]) for c in columns] for row in rows)
                archive.writestr(f"{table}.csv", text.getvalue().encode("utf-8"))
                manifest["tables"][table] = {"file": f"{table}.csv", "columns": columns, "rows": len(rows)}
            manifest["schema_version"] = _schema_version(conn)
            archive.writestr("manifest.json", json.dumps(manifest, indent=2))
    return buffer.getvalue()


def delete_everything(db: Database, partners: Sequence[str]) -> dict[str, int]:
    """Delete every row of the couple's data; returns {table: rows deleted}."""
    conn = db.connection()
    conn.execute("PRAGMA secure_delete = ON")
    deleted: dict[str, int] = {}
    with db.write() as conn:
        tables = data_tables(conn) + ["idempotency"]
        for table in PRIVACY_TABLES:
            conn.execute(f'DELETE FROM "{table}"')
        for table in reversed(tables):
            where = " WHERE key NOT LIKE '\\_%' ESCAPE '\\'" if table == "settings" else ""
            deleted[table] = conn.execute(f'DELETE FROM "{table}"{where}').rowcount
        for slot, name in enumerate(partners[:2], start=1):
            conn.execute("INSERT INTO partners (slot, name, created_at) VALUES (?, ?, ?)",
                         (slot, name, utc_now()))
        conn.execute("INSERT INTO security_log (at, event, detail) VALUES (?, 'delete_everything', ?)",
                     (utc_now(), f"{sum(deleted.values())} rows"))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass  # another connection is reading; the next checkpoint will do it
    return {t: deleted[t] for t in tables}
