"""The audio subcommands and `attune run`, as a person runs them (subprocesses)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO


def attune_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    home = tmp_path / "nohome"
    home.mkdir(exist_ok=True)
    env.update(HOME=str(home), XDG_DATA_HOME=str(tmp_path / "data"), XDG_CONFIG_HOME=str(tmp_path / "config"),
               ATTUNE_MODELS_DIR=str(tmp_path / "models"), PYTHONUNBUFFERED="1", **extra)
    env.pop("VOSK_MODEL_PATH", None)
    return env


def test_hear_prints_one_json_line_per_file_in_order(synth, tmp_path):
    start = synth.wav("start our nightly debrief")
    feeling = synth.wav("i feel lonely")
    done = subprocess.run([sys.executable, "-m", "attune", "hear", str(start), str(feeling), str(start), "--json"],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=attune_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "speech recognition: pocketsphinx" in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(start), str(feeling), str(start)]
    assert all(set(line) == {"file", "text", "intent", "slots", "confidence", "engine", "reason", "decode_seconds"}
               for line in lines)
    assert lines[0]["intent"] == "StartDebrief" and lines[0]["engine"] == "pocketsphinx+whisper"
    assert lines[2]["intent"] == "StartDebrief"


def test_hear_with_expect_decodes_answers(synth, tmp_path):
    done = subprocess.run([sys.executable, "-m", "attune", "hear", str(synth.wav("i feel sad")),
                           "--expect", "Feeling", "--json"],
                          capture_output=True, text=True, timeout=120, cwd=REPO, env=attune_env(tmp_path))
    line = json.loads(done.stdout)
    assert line["intent"] == "Feeling" and line["slots"] == {"feeling": "sad"}


def test_devices_and_models_without_hardware_or_downloads(tmp_path):
    env = attune_env(tmp_path)
    devices = subprocess.run([sys.executable, "-m", "attune", "devices", "--json"], capture_output=True, text=True,
                             timeout=60, cwd=REPO, env=env)
    assert devices.returncode == 0 and json.loads(devices.stdout) == []
    models = subprocess.run([sys.executable, "-m", "attune", "models"], capture_output=True, text=True,
                            timeout=60, cwd=REPO, env=env)
    assert models.returncode == 0 and "pocketsphinx" in models.stdout and "in use: pocketsphinx" in models.stdout


def test_say_writes_speech_to_a_file(tmp_path):
    out = tmp_path / "said.wav"
    done = subprocess.run([sys.executable, "-m", "attune", "say", "Take a slow breath together.", "--out", str(out)],
                          capture_output=True, text=True, timeout=60, cwd=REPO, env=attune_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 20000 and done.stdout == ""


def run_cmd(tmp_path) -> list[str]:
    return [sys.executable, "-m", "attune", "run", "--port", "0", "--db", str(tmp_path / "run.sqlite3"),
            "--journal", str(tmp_path / "journal.jsonl"), "--partners", "Alex,Sam"]


def test_run_without_a_microphone_falls_back_to_typing(tmp_path):
    done = subprocess.run(run_cmd(tmp_path), input="give me a repair phrase\n", capture_output=True, text=True,
                          timeout=120, cwd=REPO, env=attune_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "no microphone found" in done.stderr
    assert "state service on http://127.0.0.1:" in done.stderr
    assert done.stdout.startswith("attune: ") and len(done.stdout.strip()) > 20
    assert "Traceback" not in done.stderr and done.stderr.rstrip().endswith("attune: stopped")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_run_stops_cleanly_on_ctrl_c(tmp_path):
    process = subprocess.Popen(run_cmd(tmp_path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, cwd=REPO, env=attune_env(tmp_path))
    try:
        deadline = time.monotonic() + 60
        line = ""
        while "no microphone found" not in line and time.monotonic() < deadline:
            line = process.stderr.readline()
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode in (0, 130)
    assert "Traceback" not in err
