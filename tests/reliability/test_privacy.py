"""Privacy: no personal words in the logs, private files, and export and delete that really work.

A debrief with distinctive words runs through `attune listen --text` against a real
`attune serve`; then the server's stdout/stderr and the loop's stderr are searched for
those words, the data files' modes are checked, the export must hold every word, and
after "delete everything" the raw bytes of the database file and its WAL must not.
"""

from __future__ import annotations

import json
import os
import stat
import urllib.request

import pytest

from tests.conftest import http_json

from .helpers import Listener, current_step, wait_for

SECRETS = ["pangolin-7731 forgot the anniversary", "overdraft at quillback-2290 bank",
           "tangerine-5518 keeps me awake", "the wombat-8804 argument"]


def raw_bytes(db_path) -> bytes:
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = f"{db_path}{suffix}"
        if os.path.exists(path):
            with open(path, "rb") as fh:
                data += fh.read()
    return data


def found_in(blob: bytes, words=SECRETS) -> list[str]:
    hits = []
    for word in words:
        key = next(part for part in word.split() if "-" in part).encode()  # the distinctive token
        if key in blob or word.encode("utf-16-le") in blob:
            hits.append(word)
    return hits


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.slow
def test_debrief_words_stay_out_of_logs_and_are_gone_after_delete(live_server, tmp_path):
    listener = Listener(live_server, tmp_path, "--partner", "Alex")
    try:
        listener.say("start our nightly debrief")
        wait_for(lambda: current_step(live_server) == "ready.1", what="ready.1")
        for line in ("yes", "yes", SECRETS[0], "done", SECRETS[1], "done", SECRETS[2], "done"):
            listener.say(line)
        wait_for(lambda: current_step(live_server) == "feeling.1", what="feeling.1")
        listener.say("stop")
        assert listener.finish() == 0, listener.stderr_path.read_text()
    finally:
        if listener.process.poll() is None:
            listener.process.kill()
    base = str(live_server)
    # A private entry, a promise and a refused request carrying the words too.
    assert http_json("POST", f"{base}/api/v1/entries", {"partner": "Sam", "kind": "need", "value": SECRETS[3],
                                                        "private": True})[0] == 201
    # An edited entry: its old words linger in free space unless delete scrubs them.
    _, edited = http_json("POST", f"{base}/api/v1/entries", {"partner": "Alex", "kind": "note",
                                                             "value": SECRETS[0] + " " + SECRETS[2]})
    assert http_json("PATCH", f"{base}/api/v1/entries/{edited['id']}", {"value": "edited away"})[0] == 200
    assert http_json("POST", f"{base}/api/v1/commitments", {"partner": "Alex", "what": SECRETS[1]})[0] == 201
    assert http_json("POST", f"{base}/api/v1/entries", {"partner": SECRETS[0][:30], "kind": "note",
                                                        "value": SECRETS[2]})[0] == 400
    assert http_json("POST", f"{base}/api/v1/entries", {"partner": "Alex", "kind": "bogus",
                                                        "value": SECRETS[2]})[0] == 400

    # Files: database, WAL and shared memory, and the loop's journal, owner-only.
    for suffix in ("", "-wal", "-shm"):
        path = f"{live_server.db_path}{suffix}"
        if os.path.exists(path):
            assert mode(path) == 0o600, f"{path}: {oct(mode(path))}"
    assert mode(listener.journal) == 0o600

    # Export holds every word (both partners' private entries included).
    with urllib.request.urlopen(f"{base}/api/v1/export") as response:
        exported = response.read().decode()
    assert json.loads(exported)["format"] == "attune-export"
    assert found_in(exported.encode()) == SECRETS
    with urllib.request.urlopen(f"{base}/api/v1/export?format=csv") as response:
        assert response.headers["Content-Type"] == "application/zip"

    # A restart checkpoints the WAL into the main file, old page images included.
    live_server.restart()

    # Delete everything; then no trace in the export, the database file or its WAL.
    status, body = http_json("DELETE", f"{base}/api/v1/data", {"confirm": "delete everything"})
    assert status == 200 and body["deleted"]["entries"] >= 4
    with urllib.request.urlopen(f"{base}/api/v1/export") as response:
        assert found_in(response.read()) == []
    assert found_in(raw_bytes(live_server.db_path)) == [], "words left in the database file or WAL after delete"
    assert live_server.stop() == 0
    assert found_in(raw_bytes(live_server.db_path)) == [], "words left in the database after shutdown"

    # Logs: the server's stdout/stderr and the loop's stderr never carried the words.
    server_log = live_server.log_path.read_bytes()
    assert server_log, "the server log is empty: the check would prove nothing"
    assert found_in(server_log) == []
    assert found_in(listener.stderr_path.read_bytes()) == []


def test_deleting_an_entry_session_or_promise_leaves_no_words_in_freed_space(tmp_path):
    """One deletion (not "delete everything") leaves no bytes behind in the file either."""
    from .helpers import make_app

    db_path = tmp_path / "attune.sqlite3"
    app = make_app(db_path)
    client = app.test_client()
    words = ["ocelot-6120 said it first", "jackdaw-4410 at the station", "ibex-9034 every sunday"]
    entry = client.post("/api/v1/entries", json={"partner": "Alex", "kind": "hardest", "value": words[0]}).get_json()
    session = client.post("/api/v1/sessions", json={"routine": "debrief"}).get_json()
    client.post("/api/v1/entries", json={"partner": "Sam", "kind": "feeling", "value": words[1],
                                         "session_id": session["id"]})
    promise = client.post("/api/v1/commitments", json={"partner": "Sam", "what": words[2]}).get_json()
    for i in range(30):  # rows that stay, so the deleted ones share pages that remain in use
        client.post("/api/v1/entries", json={"partner": "Alex", "kind": "note", "value": f"keep me {i}"})
    assert client.delete(f"/api/v1/entries/{entry['id']}").status_code == 204
    assert client.delete(f"/api/v1/sessions/{session['id']}").status_code == 204
    assert client.delete(f"/api/v1/commitments/{promise['id']}").status_code == 204
    app.extensions["attune.db"].close()  # the last connection checkpoints the WAL into the file
    assert found_in(raw_bytes(db_path), words) == [], "deleted words are still in the database file"
    assert b"keep me 29" in raw_bytes(db_path)


def test_a_deleted_entry_leaves_no_words_in_stored_idempotent_answers(tmp_path):
    """The voice loop sends every write with an Idempotency-Key, and the first answer is stored so a replay
    writes nothing twice. Deleting the entry or promise must blank those stored answers too, and a replay of
    the original request must still not bring it back."""
    from .helpers import make_app

    db_path = tmp_path / "attune.sqlite3"
    app = make_app(db_path)
    client = app.test_client()
    words = ["okapi-5150 and the broken vase", "heron-7272 by the reservoir", "lynx-3003 on the landing"]
    entry = client.post("/api/v1/entries", json={"partner": "Alex", "kind": "hardest", "value": words[0]},
                        headers={"Idempotency-Key": "entry-1"}).get_json()
    session = client.post("/api/v1/sessions", json={"routine": "debrief"}).get_json()
    client.post("/api/v1/entries", json={"partner": "Sam", "kind": "feeling", "value": words[1],
                                         "session_id": session["id"]}, headers={"Idempotency-Key": "entry-2"})
    promise = client.post("/api/v1/commitments", json={"partner": "Sam", "what": words[2]},
                          headers={"Idempotency-Key": "promise-1"}).get_json()
    for i in range(30):
        client.post("/api/v1/entries", json={"partner": "Alex", "kind": "note", "value": f"keep me {i}"},
                    headers={"Idempotency-Key": f"keep-{i}"})
    assert client.delete(f"/api/v1/entries/{entry['id']}").status_code == 204
    assert client.delete(f"/api/v1/sessions/{session['id']}").status_code == 204
    assert client.delete(f"/api/v1/commitments/{promise['id']}").status_code == 204
    app.extensions["attune.db"].close()
    blob = raw_bytes(db_path)
    assert found_in(blob, words) == [], "deleted words are still in a stored Idempotency-Key answer"
    assert b"keep me 29" in blob

    again = make_app(db_path)
    replay = again.test_client().post("/api/v1/entries", json={"partner": "Alex", "kind": "hardest",
                                                               "value": words[0]},
                                      headers={"Idempotency-Key": "entry-1"})
    assert replay.status_code == 201 and replay.headers.get("Idempotent-Replayed") == "true"
    assert "okapi" not in replay.get_data(as_text=True)
    listed = again.test_client().get("/api/v1/entries?limit=100").get_json()["entries"]
    assert all("okapi" not in e["value"] for e in listed) and any(e["value"] == "keep me 29" for e in listed)
    kept = again.test_client().post("/api/v1/entries", json={"partner": "Alex", "kind": "note",
                                                             "value": "keep me 29"},
                                    headers={"Idempotency-Key": "keep-29"})
    assert kept.get_json()["value"] == "keep me 29", "answers about words not deleted are kept"
    again.extensions["attune.db"].close()
