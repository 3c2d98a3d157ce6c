"""End to end: `attune listen --text` against a real `attune serve` subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from tests.conftest import REPO, http_json


def listen(server, lines: str, *extra: str, tmp_path, timeout: float = 60.0) -> subprocess.CompletedProcess:
    env = dict(server.env, XDG_DATA_HOME=str(tmp_path / "client-data"))
    return subprocess.run(
        [sys.executable, "-m", "attune", "listen", "--text", "--json", "--server", str(server),
         "--journal", str(tmp_path / "journal.jsonl"), *extra],
        input=lines, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env,
    )


def test_typed_debrief_runs_to_its_end_at_ten_minutes(live_server, tmp_path):
    script = "\n".join([
        "start our nightly debrief", "yes", "yes",
        "thank you for making coffee this morning", "done",
        "give me a calming phrase",
    ]) + "\n"
    # 12x, not faster: on a loaded machine a short step ran out before its typed answer arrived
    done = listen(live_server, script, "--time-scale", "12", "--partner", "Alex", tmp_path=tmp_path,
                  timeout=180)
    assert done.returncode == 0, done.stderr
    said = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(set(u) == {"kind", "routine", "step", "text", "clock_s"} for u in said)
    assert said[0]["kind"] == "prompt" and said[0]["step"] == "ready.1" and said[0]["clock_s"] == 0
    seqless = [(u["kind"], u["step"], u["text"]) for u in said]
    assert len(seqless) == len(set(seqless))                  # nothing spoken twice
    steps = [u["step"] for u in said if u["kind"] == "prompt"]
    assert steps[:4] == ["ready.1", "ready.2", "appreciation.1", "appreciation.2"]
    assert any(u["kind"] == "info" and u["text"] == "Let's both take a slow breath." for u in said)
    halfway = [u for u in said if u["kind"] == "announcement" and "halfway through" in u["text"]]
    assert [u["clock_s"] for u in halfway] == [300.0]
    assert said[-1]["kind"] == "end" and said[-1]["clock_s"] == 600.0
    clocks = [u["clock_s"] for u in said]
    assert clocks == sorted(clocks)
    status, view = http_json("GET", f"{live_server}/api/v1/routine")
    assert status == 200 and view["active"] is False
    status, entries = http_json("GET", f"{live_server}/api/v1/entries?kind=appreciation")
    assert [e["value"] for e in entries["entries"]] == ["thank you for making coffee this morning"]


def test_events_typed_while_the_server_is_down_are_sent_once_when_it_returns(live_server, tmp_path):
    journal = tmp_path / "journal.jsonl"
    env = dict(live_server.env, XDG_DATA_HOME=str(tmp_path / "client-data"))
    process = subprocess.Popen(
        [sys.executable, "-m", "attune", "listen", "--text", "--json", "--server", str(live_server),
         "--journal", str(journal)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=REPO, env=env)
    try:
        process.stdin.write("we had our weekly meal\n")
        process.stdin.flush()
        assert "weekly meal" in json.loads(process.stdout.readline())["text"]
        live_server.stop()
        process.stdin.write("we had our weekly meal\n")
        process.stdin.flush()
        deadline = time.monotonic() + 30
        while not (journal.exists() and journal.stat().st_size) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert journal.stat().st_size > 0              # kept while the server is away
        live_server.start()
        process.stdin.close()
        assert process.wait(timeout=60) == 0
        replayed = process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
    assert "weekly meal" in replayed
    status, body = http_json("GET", f"{live_server}/api/v1/ritual-log")
    assert [r["ritual"] for r in body["rituals"]] == ["weekly meal", "weekly meal"]
    assert journal.stat().st_size == 0


def test_a_real_server_restart_mid_debrief_resumes_the_same_step(live_server):
    url = f"{live_server}/api/v1"
    assert http_json("POST", f"{url}/routines", {"routine": "debrief"})[0] == 201
    http_json("POST", f"{url}/events", {"intent": "Yes"})
    http_json("POST", f"{url}/events", {"intent": "Yes"})
    _, before = http_json("GET", f"{url}/routine")
    live_server.restart()
    _, after = http_json("GET", f"{url}/routine")
    assert (after["session_id"], after["step"]) == (before["session_id"], before["step"]) == \
        (before["session_id"], "appreciation.1")
    assert before["clock_s"] <= after["clock_s"] < before["clock_s"] + 30   # wall time kept running
    status, reply = http_json("POST", f"{url}/events", {"text": "next"})
    assert status == 200 and reply["routine"]["step"] == "appreciation.2"
