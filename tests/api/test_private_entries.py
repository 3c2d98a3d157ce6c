"""Private entries sealed at rest: passcodes, unlocks that expire, export with passcodes, the raw bytes.

In-process (Flask's test client) on a file database and a fake clock; the real servers are in
test_lan.py and tests/browser/test_phone.py.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from server import create_app
from server.vault import FREE_TRIES

ANSWERS = ("lonely", "belonging", "a slow sunday walk with our phones off")
SAM_CODE = "tulip-river-7"


@pytest.fixture
def api(settings, clock):
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": clock, "TESTING": True})
    yield app.test_client(), app
    app.extensions["attune.db"].close()


def call(client, method, path, body=None, status=200, **kw):
    response = client.open(path, method=method, json=body, **kw)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    return response.get_json()


def set_passcode(client, partner="Sam", passcode=SAM_CODE, **extra):
    return call(client, "PUT", "/api/v1/privacy/passcode", {"partner": partner, "passcode": passcode, **extra})


def private_inventory(client, partner="Sam"):
    call(client, "POST", "/api/v1/events", {"intent": "StartNeedsInventory", "partner": partner})
    call(client, "POST", "/api/v1/events", {"text": f"I feel {ANSWERS[0]}"})
    call(client, "POST", "/api/v1/events", {"text": f"I need {ANSWERS[1]}"})
    call(client, "POST", "/api/v1/events", {"text": ANSWERS[2]}, headers={"Idempotency-Key": "inv-request"})
    call(client, "POST", "/api/v1/events", {"text": "keep it private"})


def raw_bytes(app) -> bytes:
    """The database file and its WAL (and shared-memory index) exactly as they are on disk."""
    path = app.config["ATTUNE_SETTINGS"].db_path
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def test_after_a_private_inventory_the_file_and_wal_hold_none_of_its_answers(api):
    client, app = api
    set_passcode(client)
    private_inventory(client)
    data = raw_bytes(app).lower()
    for answer in ANSWERS:
        assert answer.encode() not in data, answer
    assert SAM_CODE.encode() not in data
    # The entries exist (date and kind), sealed; the routine's state only knows a step was answered.
    with sqlite3.connect(app.config["ATTUNE_SETTINGS"].db_path) as conn:
        rows = conn.execute("SELECT kind, value, private, length(sealed) FROM entries ORDER BY id").fetchall()
        state = json.loads(conn.execute("SELECT state FROM sessions").fetchone()[0])
    assert [(k, v, p) for k, v, p, _ in rows] == [("feeling", "", 1), ("need", "", 1), ("request", "", 1)]
    assert all(n > 32 for *_, n in rows)
    assert set(state["answers"].values()) <= {"answered", "unanswered", "skipped"}


def test_without_the_passcode_only_date_and_kind_show_and_an_unlock_expires(api, clock):
    client, app = api
    set_passcode(client)
    private_inventory(client)
    locked = call(client, "GET", "/api/v1/entries?as=Sam")["entries"]
    assert [(e["kind"], e["value"], e["locked"]) for e in locked] == \
        [("feeling", None, True), ("need", None, True), ("request", None, True)]
    assert all(e["created_at"] for e in locked)
    assert call(client, "GET", "/api/v1/entries?as=Alex")["entries"] == []  # the other partner: nothing
    assert call(client, "GET", f"/api/v1/entries/{locked[0]['id']}?as=Alex", status=404)

    opened = call(client, "POST", "/api/v1/privacy/unlock", {"partner": "Sam", "passcode": SAM_CODE})
    head = {"X-Attune-Unlock": opened["token"]}
    words = [e["value"] for e in call(client, "GET", "/api/v1/entries", headers=head)["entries"]]
    assert words == list(ANSWERS)
    session = call(client, "GET", f"/api/v1/sessions/{locked[0]['session_id']}", headers=head)
    assert [e["value"] for e in session["entries"]] == list(ANSWERS)
    # Sam's unlock does not open anything for a request that names Alex.
    assert call(client, "GET", "/api/v1/entries?as=Alex", headers=head)["entries"] == []

    clock.now += app.config["ATTUNE_SETTINGS"].unlock_minutes * 60 + 1
    assert [e["value"] for e in call(client, "GET", "/api/v1/entries?as=Sam", headers=head)["entries"]] == [None] * 3
    opened = call(client, "POST", "/api/v1/privacy/unlock", {"partner": "Sam", "passcode": SAM_CODE})
    call(client, "POST", "/api/v1/privacy/lock", headers={"X-Attune-Unlock": opened["token"]})
    assert call(client, "GET", "/api/v1/entries?as=Sam",
                headers={"X-Attune-Unlock": opened["token"]})["entries"][0]["locked"] is True


def test_the_idempotency_cache_never_keeps_private_words(api):
    client, app = api
    set_passcode(client)
    entry = call(client, "POST", "/api/v1/entries", {"partner": "Sam", "kind": "note", "value": "my secret plan",
                                                      "private": True}, status=201, headers={"Idempotency-Key": "k1"})
    assert entry["value"] == "my secret plan"  # its writer gets it back once
    assert b"my secret plan" not in raw_bytes(app)
    replay = client.post("/api/v1/entries", json={"partner": "Sam", "kind": "note", "value": "my secret plan",
                                                 "private": True}, headers={"Idempotency-Key": "k1"})
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.get_json() == dict(entry, value=None, locked=True)


def test_wrong_passcodes_back_off_and_are_logged_without_their_text(api, clock):
    client, app = api
    set_passcode(client)
    codes = [client.post("/api/v1/privacy/unlock", json={"partner": "Sam", "passcode": f"nope-{i}x"}).status_code
             for i in range(10)]
    assert codes == [403] * FREE_TRIES + [429] * (10 - FREE_TRIES)
    clock.now += 3  # the first wait is 2 s
    assert client.post("/api/v1/privacy/unlock", json={"partner": "Sam", "passcode": SAM_CODE}).status_code == 200
    log = app.extensions["attune.store"].vault.events()
    assert [e["event"] for e in log].count("wrong_passcode") == FREE_TRIES
    assert "nope" not in json.dumps(log)


def test_changing_the_passcode_rewraps_the_key_and_needs_the_current_one(api):
    client, app = api
    set_passcode(client)
    private_inventory(client)
    assert call(client, "PUT", "/api/v1/privacy/passcode", {"partner": "Sam", "passcode": "new-one-99"}, status=403)
    set_passcode(client, passcode="new-one-99", current=SAM_CODE)
    assert client.post("/api/v1/privacy/unlock", json={"partner": "Sam", "passcode": SAM_CODE}).status_code == 403
    token = call(client, "POST", "/api/v1/privacy/unlock", {"partner": "Sam", "passcode": "new-one-99"})["token"]
    words = [e["value"] for e in call(client, "GET", "/api/v1/entries", headers={"X-Attune-Unlock": token})["entries"]]
    assert words == list(ANSWERS)
    events = [e["event"] for e in app.extensions["attune.store"].vault.events()]
    assert events.count("passcode_set") == 1 and events.count("passcode_changed") == 1


def test_a_forgotten_passcode_can_only_start_over_by_deleting_the_entries(api):
    client, app = api
    set_passcode(client)
    private_inventory(client)
    call(client, "POST", "/api/v1/entries", {"partner": "Sam", "kind": "note", "value": "shared"}, status=201)
    assert call(client, "DELETE", "/api/v1/privacy/passcode", {"partner": "Sam", "confirm": "yes"}, status=400)
    done = call(client, "DELETE", "/api/v1/privacy/passcode",
                {"partner": "Sam", "confirm": "delete my private entries"})
    assert done == {"partner": "Sam", "passcode": False, "deleted": 3}
    assert [e["value"] for e in call(client, "GET", "/api/v1/entries?as=Sam")["entries"]] == ["shared"]
    set_passcode(client, passcode="brand-new-1")  # no current passcode needed any more
    assert "passcode_forgotten" in [e["event"] for e in app.extensions["attune.store"].vault.events()]


def test_entries_written_before_the_passcode_lock_when_it_is_set(api):
    client, _ = api
    private_inventory(client)  # no passcode yet: Sam's view shows the words, as a view filter
    assert [e["value"] for e in call(client, "GET", "/api/v1/entries?as=Sam")["entries"]] == list(ANSWERS)
    set_passcode(client)
    assert [e["value"] for e in call(client, "GET", "/api/v1/entries?as=Sam")["entries"]] == [None] * 3


def test_export_holds_private_words_only_for_passcodes_given(api):
    client, _ = api
    set_passcode(client)
    set_passcode(client, partner="Alex", passcode="alex-code-1")
    private_inventory(client)
    call(client, "POST", "/api/v1/entries",
         {"partner": "Alex", "kind": "note", "value": "alex private", "private": True}, status=201)
    call(client, "POST", "/api/v1/entries", {"partner": "Alex", "kind": "note", "value": "shared note"}, status=201)

    def entries(export):
        return {(e["kind"], e["value"], e["locked"]) for e in export["tables"]["entries"]}

    plain = call(client, "GET", "/api/v1/export")
    assert entries(plain) == {("feeling", "", 1), ("need", "", 1), ("request", "", 1), ("note", "", 1),
                              ("note", "shared note", 0)}
    sams = call(client, "POST", "/api/v1/export", {"passcodes": {"Sam": SAM_CODE}})
    assert ("request", ANSWERS[2], 0) in entries(sams) and ("note", "", 1) in entries(sams)
    both = call(client, "POST", "/api/v1/export", {"passcodes": {"Sam": SAM_CODE, "Alex": "alex-code-1"}})
    assert ("note", "alex private", 0) in entries(both)
    assert "partner_keys" not in both["tables"] and "devices" not in both["tables"]
    assert call(client, "POST", "/api/v1/export", {"passcodes": {"Sam": "wrong-one"}}, status=403)
    csv_zip = client.post("/api/v1/export", json={"format": "csv", "passcodes": {"Sam": SAM_CODE}})
    assert csv_zip.status_code == 200 and csv_zip.mimetype == "application/zip"


def test_delete_everything_needs_the_phrase_erases_keys_and_is_logged(api):
    client, app = api
    set_passcode(client)
    private_inventory(client)
    assert call(client, "DELETE", "/api/v1/data", {"confirm": "delete"}, status=400)
    call(client, "DELETE", "/api/v1/data", {"confirm": "delete everything"})
    vault = app.extensions["attune.store"].vault
    assert [e["event"] for e in vault.events()] == ["delete_everything"]
    assert call(client, "GET", "/api/v1/privacy")["partners"] == [
        {"name": "Alex", "passcode": False, "unlocked": False}, {"name": "Sam", "passcode": False, "unlocked": False}]
    page = client.get("/privacy").get_data(as_text=True)
    assert "delete everything" in page


def test_share_it_shares_the_words_even_with_a_passcode_set(api):
    client, _ = api
    set_passcode(client)
    call(client, "POST", "/api/v1/events", {"intent": "StartNeedsInventory", "partner": "Sam"})
    for text in (f"I feel {ANSWERS[0]}", f"I need {ANSWERS[1]}", ANSWERS[2], "share it"):
        call(client, "POST", "/api/v1/events", {"text": text})
    shared = call(client, "GET", "/api/v1/entries")["entries"]
    assert [(e["value"], e["private"]) for e in shared] == [(a, False) for a in ANSWERS]


def test_the_page_shows_locked_entries_until_unlocked(api):
    client, _ = api
    set_passcode(client)
    private_inventory(client)
    page = client.get("/privacy").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/viewing-as", data={"viewer": "2", "csrf_token": token})
    history = client.get("/history").get_data(as_text=True)
    assert "Locked" in history and ANSWERS[2] not in history
    response = client.post("/privacy/unlock", data={"partner": "Sam", "passcode": SAM_CODE, "csrf_token": token})
    assert response.status_code == 303
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("attune_unlock=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert ANSWERS[2] in client.get("/history").get_data(as_text=True)
    client.post("/privacy/lock", data={"csrf_token": token})
    assert ANSWERS[2] not in client.get("/history").get_data(as_text=True)


def test_cli_sets_a_passcode_from_standard_input(live_server, http_json):
    def cli(*lines: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "attune", "passcode", "set", "--partner", "sam",
                               "--server", live_server.url], input="".join(f"{x}\n" for x in lines),
                              capture_output=True, text=True, timeout=60, env=live_server.env)

    done = cli("first-code-1")
    assert done.returncode == 0, done.stderr
    assert "no back door" in done.stderr and "Sam's passcode is set" in done.stdout
    assert "first-code-1" not in done.stdout + done.stderr  # never echoed
    assert http_json("GET", f"{live_server}/api/v1/privacy")[1]["partners"][1]["passcode"] is True
    assert cli("wrong-current", "second-code-2").returncode == 1  # changing needs the current one
    assert cli("first-code-1", "second-code-2").returncode == 0
    status, _ = http_json("POST", f"{live_server}/api/v1/privacy/unlock",
                          {"partner": "Sam", "passcode": "second-code-2"})
    assert status == 200
    assert cli("second-code-2", "short").returncode == 1  # too short: refused, nothing changed
