"""Outage: the server is stopped (SIGTERM) and killed (SIGKILL) during a voice-driven debrief.

The debrief is driven by `attune listen --text` (the voice loop with typed input), at
real-time speed so the routine clock barely moves while the server is away. What is
said while the server is down waits in the loop's journal and is replayed, in order
and with the same Idempotency-Keys, when it returns: every answer is stored once.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import time

import pytest

from .helpers import Listener, current_step, wait_for

A1 = "you fixed the squeaky bike chain on sunday zebra-4471"
A2 = "thank you for the coffee quokka-1182"
H1 = "the quarterly audit with marigold-9923 ran late"
H2 = "watching the heron-5550 on the canal was hard to leave"


def entries(db_path, kind):
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return [r[0] for r in conn.execute("SELECT value FROM entries WHERE kind = ? ORDER BY id", (kind,))]
    finally:
        conn.close()


@pytest.mark.slow
def test_debrief_survives_stop_and_kill_with_nothing_lost_or_doubled(live_server, tmp_path):
    rng = random.Random(5)
    listener = Listener(live_server, tmp_path, "--partner", "Alex")
    step = lambda: current_step(live_server)  # noqa: E731
    try:
        listener.say("start our nightly debrief")
        wait_for(lambda: step() == "ready.1", what="ready.1")
        listener.say("yes")
        wait_for(lambda: step() == "ready.2", what="ready.2")
        listener.say("yes")
        wait_for(lambda: step() == "appreciation.1", what="appreciation.1")
        listener.say(A1)
        listener.say("done")
        wait_for(lambda: step() == "appreciation.2", what="appreciation.2")

        # 1. A clean stop: what is said meanwhile waits in the journal.
        assert live_server.stop() == 0
        listener.say(A2)
        listener.say("done")
        wait_for(lambda: listener.pending_events() >= 2, what="two journalled events while down")
        live_server.start()
        wait_for(lambda: step() == "hardest.1", what="replay moved the debrief to hardest.1")
        wait_for(lambda: listener.pending_events() == 0, what="journal drained")

        # 2. SIGKILL at a random moment while an answer is on its way.
        listener.say(H1)
        time.sleep(rng.uniform(0.0, 0.15))
        live_server.stop(signal.SIGKILL)
        listener.say("done")
        time.sleep(0.3)
        live_server.start()
        wait_for(lambda: step() == "feeling.1", what="feeling.1 after the kill")
        wait_for(lambda: listener.pending_events() == 0, what="journal drained after the kill")

        # 3. One more outage in the second partner's turn, then stop the debrief.
        listener.say("I feel tired")
        wait_for(lambda: step() == "hardest.2", what="hardest.2")
        live_server.stop(signal.SIGKILL)
        listener.say(H2)
        listener.say("stop")
        wait_for(lambda: listener.pending_events() >= 2, what="journalled while killed", timeout=90)
        live_server.start()
        assert listener.finish(timeout=90) == 0, listener.stderr_path.read_text()
    finally:
        if listener.process.poll() is None:
            listener.process.kill()
            listener.process.wait()

    assert entries(live_server.db_path, "appreciation") == [A1, A2]
    assert entries(live_server.db_path, "hardest") == [H1, H2]
    assert entries(live_server.db_path, "feeling") == ["tired"]
    assert listener.pending_events() == 0
    conn = sqlite3.connect(live_server.db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    status = conn.execute("SELECT status FROM sessions ORDER BY id DESC LIMIT 1").fetchone()[0]
    conn.close()
    assert status == "stopped"
    said = [json.loads(line) for line in listener.stdout_path.read_text().splitlines() if line.startswith("{")]
    prompts = [(u["step"], u["text"]) for u in said if u["kind"] == "prompt"]
    assert len(prompts) == len(set(prompts)), "a prompt was spoken twice"


@pytest.mark.slow
def test_fast_clock_debrief_killed_mid_answer_stores_each_answer_once(live_server, tmp_path):
    """At --time-scale 5 the routine clock runs on while the server is dead, so an answer may land in a
    later talking segment (see the README's known limits); it is still stored exactly once. (At 10 a
    loaded CI machine ran the step's time out during the outage, and the last answer met the step
    change: refused with a 409, as an answer to a stale step is.)"""
    words = ["the kettle-8830 whistled all morning", "kestrel-2291 on the fence post",
             "the lantern-6604 finally worked"]
    listener = Listener(live_server, tmp_path, "--partner", "Alex", "--time-scale", "5")
    try:
        listener.say("start our nightly debrief")
        wait_for(lambda: current_step(live_server) == "ready.1", what="ready.1")
        listener.say("yes")
        listener.say("yes")
        wait_for(lambda: current_step(live_server) == "appreciation.1", what="appreciation.1")
        listener.say(words[0])
        time.sleep(0.05)
        live_server.stop(signal.SIGKILL)
        listener.say(words[1])
        wait_for(lambda: listener.pending_events() >= 1, what="journalled while dead")
        live_server.start()
        wait_for(lambda: listener.pending_events() == 0, what="journal drained")
        listener.say(words[2])
        wait_for(lambda: listener.pending_events() == 0, what="sent")
        listener.say("stop")
        assert listener.finish(timeout=90) == 0, listener.stderr_path.read_text()
    finally:
        if listener.process.poll() is None:
            listener.process.kill()
            listener.process.wait()
    conn = sqlite3.connect(live_server.db_path)
    try:
        stored = [r[0] for r in conn.execute("SELECT value FROM entries")]
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    for word in words:
        assert stored.count(word) == 1, f"{word!r} stored {stored.count(word)} times; entries: {stored}"
