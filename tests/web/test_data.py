"""Export (JSON, CSV zip) and delete everything, through the API and the no-JS forms."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from web_seed import PRIVATE_TEXT


def count(app, table: str) -> int:
    return app.extensions["attune.db"].read().execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_json_export_has_every_table_and_no_secret(client, seeded):
    response = client.get("/api/v1/export?format=json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=\"attune-export-")
    data = json.loads(response.data)
    assert data["format"] == "attune-export" and data["schema_version"] >= 1
    tables = data["tables"]
    assert {"partners", "sessions", "entries", "commitments", "weekly_reviews", "utterances"} <= set(tables)
    assert "idempotency" not in tables and "schema_migrations" not in tables
    assert any(e["value"] == PRIVATE_TEXT for e in tables["entries"])  # an export is everything
    assert tables["weekly_reviews"][0]["figures"]["debriefs"] == 5     # JSON columns decoded
    assert not any(s["key"].startswith("_") for s in tables["settings"])


def test_csv_export_is_a_zip_of_tables(app, client, seeded):
    with app.extensions["attune.db"].write() as conn:
        conn.execute("UPDATE entries SET value = '=HYPERLINK(\"x\")' WHERE kind = 'appreciation'")
    response = client.get("/api/v1/export?format=csv")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    manifest = json.loads(archive.read("manifest.json"))
    rows = list(csv.DictReader(io.StringIO(archive.read("entries.csv").decode("utf-8"))))
    assert len(rows) == manifest["tables"]["entries"]["rows"] == count(app, "entries")
    assert {r["value"] for r in rows if r["kind"] == "appreciation"} == {"'=HYPERLINK(\"x\")"}


def test_export_rejects_unknown_format_and_parameters(client):
    assert client.get("/api/v1/export?format=xml").get_json()["error"]["field"] == "format"
    assert client.get("/api/v1/export?fromat=csv").status_code == 400


def test_api_delete_needs_the_exact_confirmation(app, client, seeded):
    for body, field in (({}, "confirm"), ({"confirm": "yes"}, "confirm"),
                        ({"confirm": "delete everything", "also": 1}, "also")):
        response = client.delete("/api/v1/data", json=body)
        assert response.status_code == 400 and response.get_json()["error"]["field"] == field
    assert client.delete("/api/v1/data", data="x", content_type="text/csv").status_code in (403, 415)
    assert count(app, "sessions") == 5
    response = client.delete("/api/v1/data", json={"confirm": "delete everything"})
    assert response.status_code == 200 and response.get_json()["deleted"]["entries"] == 17
    assert count(app, "sessions") == count(app, "entries") == count(app, "commitments") == 0
    assert [p["name"] for p in app.extensions["attune.store"].partners()] == ["Alex", "Sam"]


def test_web_delete_asks_for_the_phrase_then_deletes(app, client, seeded, csrf):
    assert "type <strong>delete everything</strong>" in client.get("/data/delete").get_data(as_text=True)
    response = client.post("/data/delete", data={"csrf_token": csrf, "confirm": "yes"})
    assert response.status_code == 303 and count(app, "sessions") == 5
    assert client.post("/data/delete", data={"confirm": "delete everything"}).status_code == 403
    response = client.post("/data/delete", data={"csrf_token": csrf, "confirm": "Delete everything"},
                           follow_redirects=True)
    assert "Everything was deleted" in response.get_data(as_text=True)
    assert count(app, "sessions") == 0
    assert "No debriefs yet" in client.get("/").get_data(as_text=True)


def test_tables_from_later_migrations_are_exported_and_deleted(app, seeded):
    from server import export

    db = app.extensions["attune.db"]
    with db.write() as conn:
        conn.execute("CREATE TABLE future_notes (id INTEGER PRIMARY KEY, text TEXT)")
        conn.execute("INSERT INTO future_notes (text) VALUES ('kept for later')")
    assert export.export_data(db)["tables"]["future_notes"] == [{"id": 1, "text": "kept for later"}]
    assert export.delete_everything(db, ("Alex", "Sam"))["future_notes"] == 1
    assert count(app, "future_notes") == 0
