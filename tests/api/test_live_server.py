"""A real `attune serve` process (waitress): data survives a restart; SIGTERM and Ctrl-C stop it cleanly."""

from __future__ import annotations

import signal
import stat

import pytest

pytestmark = pytest.mark.slow


def test_data_is_kept_across_a_restart(live_server, http_json):
    api = f"{live_server}/api/v1"
    status, session = http_json("POST", f"{api}/sessions", {"routine": "debrief"})
    assert status == 201
    status, entry = http_json("POST", f"{api}/entries", {"partner": "Sam", "kind": "need", "value": "rest",
                                                         "session_id": session["id"], "private": True},
                              headers={"Idempotency-Key": "entry-1"})
    assert status == 201
    status, _ = http_json("PATCH", f"{api}/settings", {"voice_rate": 200})
    assert status == 200

    assert live_server.stop() == 0
    live_server.start()

    status, again = http_json("GET", f"{api}/sessions/{session['id']}", headers={"X-Attune-Partner": "Sam"})
    assert status == 200 and [e["value"] for e in again["entries"]] == ["rest"]
    status, replay = http_json("POST", f"{api}/entries", {"partner": "Sam", "kind": "need", "value": "rest",
                                                          "session_id": session["id"], "private": True},
                               headers={"Idempotency-Key": "entry-1"})
    assert status == 201 and replay["id"] == entry["id"]
    assert http_json("GET", f"{api}/entries?as=Sam")[1]["total"] == 1
    assert http_json("GET", f"{api}/settings")[1]["settings"]["voice_rate"]["value"] == 200
    assert stat.S_IMODE(live_server.db_path.stat().st_mode) == 0o600


def test_foreign_host_refused_over_http(live_server, http_json):
    status, body = http_json("GET", f"{live_server}/api/v1/health", headers={"Host": "attacker.example"})
    assert status == 400 and body["error"]["field"] == "Host"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signals_stop_the_server_cleanly(live_server, sig):
    assert live_server.stop(sig) == 0
    log = live_server.log_path.read_text()
    assert "attune: state service stopped" in log and "Traceback" not in log
