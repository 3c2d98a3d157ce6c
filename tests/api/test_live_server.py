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


def _at_once(count, call):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    barrier = Barrier(count)

    def run(_):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_concurrent_edits_of_one_version_give_one_winner_and_clear_409s(live_server, http_json):
    api = f"{live_server}/api/v1"
    status, promise = http_json("POST", f"{api}/commitments", {"partner": "Alex", "what": "call mum"})
    assert status == 201
    results = _at_once(8, lambda: http_json("PATCH", f"{api}/commitments/{promise['id']}",
                                             {"status": "kept", "version": 1}))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [409] * 7
    assert all(body["error"]["field"] == "version" for status, body in results if status == 409)
    assert http_json("GET", f"{api}/commitments/{promise['id']}")[1]["version"] == 2


def test_concurrent_replays_of_one_idempotency_key_write_once(live_server, http_json):
    api = f"{live_server}/api/v1"
    results = _at_once(8, lambda: http_json("POST", f"{api}/ritual-log", {"ritual": "tea"},
                                             headers={"Idempotency-Key": "tea-1"}))
    assert {status for status, _ in results} == {201}
    assert len({body["id"] for _, body in results}) == 1
    assert len(http_json("GET", f"{api}/ritual-log")[1]["rituals"]) == 1


def test_a_busy_port_is_a_clear_error(live_server, tmp_path):
    import subprocess

    result = subprocess.run([*live_server.command()[:-1], str(tmp_path / "other.sqlite3")],
                            env=live_server.env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{live_server.port}" in result.stderr and "Traceback" not in result.stderr
