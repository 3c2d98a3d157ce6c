"""Crash safety: at least 200 SIGKILLs of a real `attune serve` during a stream of writes.

After every kill the file passes `PRAGMA integrity_check`, every acknowledged write is
there exactly once, and the write in flight at the kill, replayed with the same
Idempotency-Key, is there exactly once. The harness is bench/crash_bench.py (the bench
reports the same run's figures to bench/results/reliability.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import crash_bench  # noqa: E402


@pytest.mark.slow
def test_sigkill_during_writes_loses_and_doubles_nothing(tmp_path):
    report = crash_bench.run(cycles=200, workdir=tmp_path, seed=11)
    assert report.kills >= 200
    assert report.integrity_failures == []
    assert report.errors == []
    assert report.lost == []
    assert report.doubled == []
    assert report.api_mismatch == []
    # The stream really was cut mid-flight, and replays were exercised both ways over the run.
    assert report.acked > report.kills
    assert report.in_flight_at_kill > 100
    assert report.replayed_committed > 0 and report.replayed_new > 0
    assert report.acked_events > 0, "no debrief answer got through: /events was never exercised"


@pytest.mark.slow
def test_sigkill_while_starting_and_migrating_leaves_a_database_that_starts(tmp_path):
    result = crash_bench.run_startup_kills(cycles=16, workdir=tmp_path)
    assert result["kills"] == 16
    assert result["failures"] == []
