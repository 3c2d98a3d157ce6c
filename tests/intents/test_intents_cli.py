"""`attune parse` through a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, stdin: str | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "ATTUNE_CONFIG": str(ROOT / "tests" / "intents" / "no-such-config.toml"),
                **(env or {})}
    full_env.pop("ATTUNE_PARTNERS", None) if env is None or "ATTUNE_PARTNERS" not in env else None
    return subprocess.run([sys.executable, "-m", "attune", "parse", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, env=full_env, timeout=60)


def test_parse_one_sentence_json():
    proc = _run("I feel kind of lonely", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"intent": "Feeling", "slots": {"feeling": "lonely"}, "confidence": 1.0,
                                       "text": "I feel kind of lonely", "safety": None}
    assert len(proc.stdout.strip().splitlines()) == 1


def test_no_match_exits_zero():
    proc = _run("turn on the kitchen lights", "--json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout) == {"intent": None, "slots": {}, "confidence": 0.0,
                                       "text": "turn on the kitchen lights", "safety": None}


def test_stdin_one_json_line_per_sentence_in_order():
    proc = _run("--expect", "Feeling,Yes", stdin="lonely\nwhat's the weather\nyeah\n\nnext\n")
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(r["text"], r["intent"]) for r in lines] == [
        ("lonely", "Feeling"), ("what's the weather", None), ("yeah", "Yes"), ("", None), ("next", "Skip")]


def test_partners_from_environment_and_flag():
    proc = _run("it's Kim", "--json", env={"ATTUNE_PARTNERS": "Jo,Kim"})
    assert json.loads(proc.stdout)["slots"] == {"partner": "Kim"}
    proc = _run("this is Robin", "--json", "--partners", "Robin,Lee")
    assert json.loads(proc.stdout)["slots"] == {"partner": "Robin"}


def test_unknown_expected_intent_is_a_usage_error():
    proc = _run("yes", "--expect", "Yes,Maybe")
    assert proc.returncode == 2 and "Maybe" in proc.stderr


def test_every_sentence_has_a_safety_field():
    sentences = {
        "she grabbed my arm so hard it left a bruise": "violence",
        "it really hit me today how much I miss my mom": None,
        "I've been thinking about ending it": "self_harm",
        "hit me up when you leave work": None,
        "Sam checks my phone every night": "coercion",
    }
    proc = _run("--json", stdin="".join(f"{s}\n" for s in sentences))
    assert proc.returncode == 0, proc.stderr
    got = {row["text"]: row["safety"] for row in map(json.loads, proc.stdout.splitlines())}
    assert got == sentences
