"""End to end: `attune listen --wav` with the wake phrase, against a real `attune serve`.

Recorded conversation that is not addressed to attune does nothing; "attune, give me a repair phrase"
does; the loop reports its listening state to the server (GET /api/v1/listening). With `--no-wake`
every utterance is heard, as for a single speaker.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, http_json
from tests.voice.conftest import HAVE_ESPEAK, Synth

pytestmark = [pytest.mark.audio, pytest.mark.slow,
              pytest.mark.skipif(not HAVE_ESPEAK, reason="espeak-ng is not installed")]


def listen(server, wavs, *extra, tmp_path):
    env = dict(server.env, XDG_DATA_HOME=str(tmp_path / "client-data"))
    return subprocess.run(
        [sys.executable, "-m", "attune", "listen", "--wav", *map(str, wavs), "--json", "--print",
         "--engine", "pocketsphinx", "--server", str(server), "--journal", str(tmp_path / "journal.jsonl"), *extra],
        capture_output=True, text=True, timeout=180, cwd=REPO, env=env)


@pytest.fixture
def recordings(tmp_path):
    synth = Synth(tmp_path)
    return [synth.wav(text, "en-us") for text in
            ("and then I said stop", "give me a repair phrase", "attune, give me a repair phrase",
             "how much time is left")]


def test_only_what_follows_the_wake_phrase_is_acted_on(live_server, recordings, tmp_path):
    done = listen(live_server, recordings[:3], tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    said = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(said) == 1 and said[0]["kind"] == "info"    # one repair phrase offered, for the third file only
    assert 'wake phrase: "attune"' in done.stderr and "waiting for \"attune\"" in done.stderr
    assert "stop" not in done.stderr                       # the conversation is never decoded or shown
    status, state = http_json("GET", f"{live_server}/api/v1/listening")
    assert status == 200 and state["state"] == "idle" and state["wake_phrases"] == ["attune"]
    status, view = http_json("GET", f"{live_server}/api/v1/routine")
    assert view["active"] is False


def test_no_wake_hears_every_utterance(live_server, recordings, tmp_path):
    done = listen(live_server, recordings[3:], "--no-wake", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    said = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(said) == 1                                  # heard without "attune", and answered
    assert "listening to everything" in done.stderr and "wake phrase:" not in done.stderr
    status, state = http_json("GET", f"{live_server}/api/v1/listening")
    assert state["state"] == "open"
