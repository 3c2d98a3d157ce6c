"""Typed routine state keeps the saved form: states the engine saved before `State` existed load,
save back byte for byte, and carry on exactly as they did then."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from server.routines import Event, Machine
from server.routines.state import State

SAVED = json.loads((Path(__file__).parent / "data" / "saved_states.json").read_text())
CASES = SAVED["cases"]


@pytest.mark.parametrize("case", CASES, ids=[f"{c['routine']}-{i}" for i, c in enumerate(CASES)])
def test_a_saved_state_resumes_and_saves_the_same(case):
    state = State.from_dict(case["state"])
    assert json.dumps(state.to_dict()) == json.dumps(case["state"])  # same keys, same order, same values
    machine = Machine(case["state"])
    now = case["now"] + SAVED["skip_at"]
    result = machine.handle(Event.of("Skip"), now)
    assert machine.view(now) == case["then"]["view"]
    assert [[u.kind, u.key, u.step, u.clock_s] for u in result.utterances] == case["then"]["said"]
    assert machine.to_state() == case["then"]["state"]


def test_a_state_of_another_version_is_refused():
    with pytest.raises(ValueError):
        State.from_dict(dict(CASES[0]["state"], v=2))


def test_to_state_is_a_copy():
    machine = Machine(CASES[0]["state"])
    saved = machine.to_state()
    saved["answers"]["x"] = "changed"
    assert "x" not in machine.to_state()["answers"]
