"""End to end, hands-free: a recorded "start our nightly debrief" goes through `attune listen --wav`
(endpointing, pocketsphinx command mode, intent match) to a real `attune serve`, and the
debrief's first prompt is rendered by pyttsx3 and played to the (ALSA file) output device."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from tests.conftest import REPO
from voice.audio.alsa import write_alsa_file_device
from voice.audio.sources import write_wav

pytestmark = [pytest.mark.audio, pytest.mark.slow]


def test_spoken_start_reaches_the_first_prompt_on_the_speaker(live_server, synth, tmp_path):
    home = write_alsa_file_device(tmp_path / "home")
    wav = tmp_path / "start.wav"
    write_wav(wav, synth.pcm("start our nightly debrief", "en-us"))
    env = dict(live_server.env, HOME=str(home), XDG_DATA_HOME=str(tmp_path / "client-data"))
    done = subprocess.run(
        [sys.executable, "-m", "attune", "listen", "--wav", str(wav), "--json", "--engine", "pocketsphinx", "--no-wake",
         "--server", str(live_server), "--journal", str(tmp_path / "journal.jsonl"), "--time-scale", "200"],
        capture_output=True, text=True, timeout=180, cwd=REPO, env=env)
    assert done.returncode == 0, done.stderr
    assert "speech recognition: pocketsphinx" in done.stderr
    assert "speech output: pyttsx3" in done.stderr
    said = [json.loads(line) for line in done.stdout.splitlines()]
    assert said, done.stderr
    assert said[0]["kind"] == "prompt" and said[0]["routine"] == "debrief" and said[0]["step"] == "ready.1"
    played = np.frombuffer((home / "out.raw").read_bytes(), dtype="<i2")
    assert len(played) / 16000 > 1.0 and np.abs(played).max() > 1000  # the prompts, as audio
