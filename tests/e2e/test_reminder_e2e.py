"""End to end: a real `attune serve`, two `attune listen --text` loops; the reminder is spoken once
by each loop (one reminder in the server), and "yes" starts a debrief that runs to its end."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

from tests.conftest import REPO, SCHEDULE_OFF, http_json


def loop(server, tmp_path, name: str, *extra: str) -> subprocess.Popen:
    env = dict(server.env, XDG_DATA_HOME=str(tmp_path / f"{name}-data"))
    return subprocess.Popen(
        [sys.executable, "-m", "attune", "listen", "--text", "--json", "--server", str(server),
         "--journal", str(tmp_path / f"{name}.jsonl"), *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)


def read_until(process: subprocess.Popen, words: str) -> list[dict]:
    """What a loop printed, up to and including the first line containing `words`."""
    lines = []
    for line in process.stdout:
        lines.append(json.loads(line))
        if words in line:
            return lines
    raise AssertionError(f"the loop ended without saying {words!r}: {process.stderr.read()}")


def test_a_reminder_is_spoken_once_and_yes_starts_the_debrief(live_server, tmp_path):
    url = f"{live_server}/api/v1"
    assert http_json("PUT", f"{url}/schedule", SCHEDULE_OFF)[0] == 200
    kitchen = loop(live_server, tmp_path, "kitchen")       # a voice loop that only listens
    lounge = loop(live_server, tmp_path, "lounge", "--time-scale", "100", "--partner", "Alex")
    try:
        for process in (kitchen, lounge):                   # both loops are up and polling
            process.stdin.write("when is the next reminder\n")
            process.stdin.flush()
            read_until(process, "No reminders are scheduled")
        now = datetime.now().astimezone().strftime("%H:%M")  # due this minute: a real clock, no test hook
        status, schedule = http_json("PUT", f"{url}/schedule", {"debrief_time": now})
        assert status == 200 and schedule["debrief_time"] == now
        heard = read_until(kitchen, "Is now a good time?")
        said = read_until(lounge, "Is now a good time?")
        out, err = lounge.communicate("yes\nyes\nyes\n", timeout=120)
        assert lounge.returncode == 0, err
        rest, _ = kitchen.communicate(timeout=120)          # its input ends: it stops once nothing runs
    finally:
        for process in (kitchen, lounge):
            if process.poll() is None:
                process.kill()
    said += [json.loads(line) for line in out.splitlines()]
    heard += [json.loads(line) for line in rest.splitlines()]
    reminder = [u for u in said if u["routine"] == "reminder" and u["kind"] == "prompt"]
    assert len(reminder) == 1 and now in reminder[0]["text"] and reminder[0]["step"] == "debrief"
    assert [u for u in heard if u["routine"] == "reminder" and u["kind"] == "prompt"] == reminder
    after = said[said.index(reminder[0]) + 1:]
    assert after[0]["text"] == "Good. Let's begin."
    steps = [u["step"] for u in after if u["routine"] == "debrief" and u["kind"] == "prompt"]
    assert steps[:3] == ["ready.1", "ready.2", "appreciation.1"]
    assert said[-1]["kind"] == "end" and said[-1]["routine"] == "debrief" and said[-1]["clock_s"] == 600.0
    _, utterances = http_json("GET", f"{url}/utterances?after=0&limit=500")
    assert len([u for u in utterances["utterances"] if u["routine"] == "reminder" and u["kind"] == "prompt"]) == 1
    _, reminders = http_json("GET", f"{url}/reminders")
    assert [(r["kind"], r["status"]) for r in reminders["history"]] == [("debrief", "accepted")]
    _, sessions = http_json("GET", f"{url}/sessions?routine=debrief")
    assert [s["status"] for s in sessions["sessions"]] == ["completed"]
