"""Issue 20's proof: a week of typed sessions the way a tired couple talks, end to end against a real
`attune serve` through `attune listen --text` (no partner set: hands-free), then every stored entry,
the promise and the weekly review checked one by one through the API.

The routine clock runs at the wall clock's speed (time scale 1): typed lines come faster than any
step's time, so every answer lands where it was meant to, and a debrief both partners finish early
ends at once ("We finished early, well done")."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime

from server.routines.due import due_datetime, to_iso
from tests.conftest import REPO, http_json

DAYS = {
    "monday debrief": [
        "start our nightly debrief", "yes", "yeah",
        "thank you for making coffee this morning", "done",
        "um", "you listened when I was tired", "done",
        "work was long and the meeting ran over", "done",
        "deflated",
        "the kids were wild at bedtime", "and then the dishwasher broke", "done",
        "honestly pretty drained",
        "reassurance",
        "could you hug me before work", "done",
        "I need rest",
        "put the kids to bed tomorrow", "done",
        "you had a long day and felt deflated", "done",
        "yes",
        "you felt drained by bedtime", "done",
        "partly",
        "9 pm",
        "we ate dinner together", "done",
        "I went for a run", "done",
    ],
    "tuesday repair": [
        "let's repair",
        "so last night Sam made plans without asking me", "done",   # Sam is named, Alex is speaking
        "when this happened I felt unimportant", "done",
        "I need respect",
        "could you ask me before you make plans for both of us?",
        "I can see why you'd feel left out", "done",
        "we both want to trust each other's plans", "done",
        "I'll try to be better",                                    # no action, no time: asked once
        "I will ask you before I make plans for us, by Friday",
    ],
    "wednesday inventory": [
        "let's do a needs inventory",
        "it's Sam",
        "on edge",
        "I need space",
        "could we have a quiet hour after dinner",
        "share it",
    ],
    "thursday debrief": [
        "start our nightly debrief", "yes", "yes",
        "wait I need a second, pause", "resume",
        "you made me laugh at breakfast", "done",
        "I need some appreciation", "next",                      # said to Alex in Sam's turn: content
        "the drive home", "done",
        "um what does that mean",                                 # a question about the question
        "I feel like you don't care",                             # a thought: reflected, kept as said
        "stop",
    ],
    "friday time-out": [
        "we need a time-out",                                     # its break runs on a fast clock
    ],
    "sunday review": [
        "let's do the weekly review",
        "um",
        "um what does that mean",
        "the nightly debriefs",
        "mornings were rushed",
        "so yeah",
        "start the debrief at nine",
        "you made tea every night",
        "you listened to me on Thursday",
    ],
}


SCALES = {"friday time-out": "600"}
"""The time-out's twenty-minute break passes in two seconds; every other session runs in real time."""


def listen(server, lines: list[str], tmp_path, name: str, scale: str = "1") -> list[dict]:
    env = dict(server.env, XDG_DATA_HOME=str(tmp_path / f"{name}-data"))
    done = subprocess.run(
        [sys.executable, "-m", "attune", "listen", "--text", "--json", "--time-scale", scale, "--server", str(server),
         "--journal", str(tmp_path / f"{name}.jsonl")],
        input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=180, cwd=REPO, env=env)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_week_of_typed_sessions_is_stored_as_it_was_meant(live_server, tmp_path):
    url = f"{live_server}/api/v1"
    said = {day: listen(live_server, lines, tmp_path, day.replace(" ", "-"), SCALES.get(day, "1"))
            for day, lines in DAYS.items()}

    monday = said["monday debrief"]
    assert monday[-1]["kind"] == "end" and monday[-1]["text"].startswith("We finished early, well done")
    assert "That's our ten minutes" not in json.dumps(monday)
    promise_asked = [u["text"] for u in said["tuesday repair"] if u["step"] == "promise"]
    assert "What exactly will you do, and by when?" in promise_asked
    thursday = said["thursday debrief"]
    assert any(u["text"].startswith("Paused") for u in thursday)
    assert any("maybe you feel hurt or sad" in u["text"] for u in thursday)
    assert not any(u["text"].startswith("Here's") or "phrase" in u["text"].lower() for u in thursday)
    assert said["friday time-out"][-1]["text"].startswith("The break is over")
    review = said["sunday review"]
    # the week summary (the Today card's words): Tuesday's promise is due Friday of next week, so open
    assert review[0]["text"] == "This week: one debrief, one of you didn't feel fully heard; 1 promise open."

    status, body = http_json("GET", f"{url}/entries?limit=1000")
    assert status == 200
    entries = [(e["partner"], e["kind"], e["value"]) for e in body["entries"]]
    assert entries == [
        # monday debrief: each answer is the partner attune asked
        ("Alex", "answer", "yes"), ("Sam", "answer", "yes"),
        ("Alex", "appreciation", "thank you for making coffee this morning"),
        ("Sam", "appreciation", "you listened when I was tired"),
        ("Alex", "hardest", "work was long and the meeting ran over"),
        ("Alex", "feeling", "deflated"),
        ("Sam", "hardest", "the kids were wild at bedtime"), ("Sam", "hardest", "and then the dishwasher broke"),
        ("Sam", "feeling", "drained"),
        ("Alex", "need", "reassurance"),
        ("Alex", "request", "could you hug me before work"),
        ("Sam", "need", "rest"),
        ("Sam", "request", "put the kids to bed tomorrow"),
        ("Sam", "reflection", "you had a long day and felt deflated"),
        ("Alex", "heard", "yes"),
        ("Alex", "reflection", "you felt drained by bedtime"),
        ("Sam", "heard", "partly"),
        ("Alex", "note", "9 pm"),
        ("Alex", "win", "we ate dinner together"), ("Sam", "win", "I went for a run"),
        # tuesday repair: Alex was hurt and tells it, though Sam is named; Sam validates and promises
        ("Alex", "rupture", "so last night Sam made plans without asking me"),
        ("Alex", "impact", "when this happened I felt unimportant"),
        ("Alex", "need", "respect"),
        ("Alex", "request", "could you ask me before you make plans for both of us?"),
        ("Sam", "reflection", "I can see why you'd feel left out"),
        ("Alex", "note", "we both want to trust each other's plans"),
        # wednesday inventory: Sam said who it was first; shared at the end
        ("Sam", "feeling", "on edge"), ("Sam", "need", "space"),
        ("Sam", "request", "could we have a quiet hour after dinner"),
        # thursday debrief: the pause and the question about the question are not entries
        ("Alex", "answer", "yes"), ("Sam", "answer", "yes"),
        ("Alex", "appreciation", "you made me laugh at breakfast"),
        ("Sam", "appreciation", "I need some appreciation"),
        ("Alex", "hardest", "the drive home"),
        ("Alex", "feeling", "i feel like you don't care"),
        # sunday review: fillers and the question are not answers
        ("Alex", "worked", "the nightly debriefs"), ("Alex", "didnt_work", "mornings were rushed"),
        ("Alex", "adjust", "start the debrief at nine"),
        ("Alex", "appreciation", "you made tea every night"), ("Sam", "appreciation", "you listened to me on Thursday"),
    ]

    status, body = http_json("GET", f"{url}/commitments")
    [promise] = body["commitments"]
    assert promise["partner"] == "Sam" and promise["status"] == "open"
    assert promise["what"] == "I will ask you before I make plans for us, by Friday"
    made = datetime.fromisoformat(promise["created_at"].replace("Z", "+00:00")).astimezone()
    assert promise["due_at"] == to_iso(due_datetime("by Friday", made))

    status, body = http_json("GET", f"{url}/weekly-reviews")
    [weekly] = body["weekly_reviews"] if "weekly_reviews" in body else body["reviews"]
    assert (weekly["worked"], weekly["didnt_work"], weekly["adjust"]) == \
        ("the nightly debriefs", "mornings were rushed", "start the debrief at nine")
    figures = weekly["figures"]  # the promise, not yet due, is open: made and counted as neither kept nor missed
    assert (figures["made"], figures["open"], figures["kept"], figures["partly"], figures["missed"]) == (1, 1, 0, 0, 0)
    assert weekly["figures"]["debriefs"] == 1              # Monday's; Thursday's was stopped

    status, body = http_json("GET", f"{url}/sessions?limit=100")
    assert sorted((s["routine"], s["status"]) for s in body["sessions"]) == sorted([
        ("debrief", "completed"), ("repair", "completed"), ("inventory", "completed"),
        ("debrief", "stopped"), ("timeout", "completed"), ("weekly_review", "completed")])
