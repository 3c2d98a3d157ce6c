"""Routine timings (the `routine_timings` setting): checked in one place, used by routines
started afterwards, never by one already running. Fake clocks throughout."""

from __future__ import annotations

import pytest

from server import create_app
from server.routines import Machine
from server.routines.language import script
from server.routines.timings import apply_timings, default_timings, validate_timings

from tests.routines.helpers import T0, Driver

API = "/api/v1"


# -- the check ---------------------------------------------------------------------------

def test_defaults_are_the_scripts_and_valid():
    defaults = default_timings()
    assert defaults["timeout"] == {"return": 30.0, "break": 1200.0}
    assert sum(defaults["debrief"].values()) == script("debrief")["total_s"] == 600
    assert validate_timings(defaults) == []
    assert validate_timings({}) == []


@pytest.mark.parametrize("timings,message", [
    ({"nightly": {"ready.1": 30}}, "unknown routine 'nightly'"),
    ({"debrief": {"feelings": 90}}, "debrief.feelings: the debrief has no timed step 'feelings'"),
    ({"timeout": {"calm": 30}}, "timeout.calm: the timeout has no timed step 'calm'"),
    ({"repair": {"what": "two minutes"}}, "repair.what: must be a number of seconds"),
    ({"repair": {"what": True}}, "repair.what: must be a number of seconds"),
    ({"repair": {"what": 2}}, "repair.what: 2 s is out of range (5..3600 s)"),
    ({"repair": {"what": 4000}}, "repair.what: 4000 s is out of range"),
    ({"repair": {"what": 10 ** 400}}, "repair.what: 100000000000... s is out of range"),
    ({"repair": {"what": float("nan")}}, "repair.what: must be a number of seconds"),
    ({"timeout": {"break": 30}}, "timeout.break: 30 s is out of range (60..10800 s)"),
    ({"timeout": {"break": 11000}}, "timeout.break: 11000 s is out of range"),
    ({"timeout": {"break": 90}}, "timeout.break: the break is whole minutes"),
    ({"debrief": {"win.1": 90}}, "debrief: the step budgets must add up to 600 s"),
    ({"repair": [120]}, "repair: must be an object of step ids and seconds"),
    ([["repair", 120]], "must be an object of routines"),
])
def test_bad_timings_are_named(timings, message):
    errors = validate_timings(timings)
    assert errors and message in "; ".join(errors)


def test_every_problem_is_listed():
    errors = validate_timings({"repair": {"what": 1, "nope": 60}, "inventory": {"share": "x"}})
    assert len(errors) == 3


def test_apply_refuses_bad_overrides_and_leaves_the_script_alone():
    spec = script("debrief")
    with pytest.raises(ValueError, match="add up to 600 s"):
        apply_timings(spec, {"win.1": 90})
    changed = apply_timings(spec, {"win.1": 60, "win.2": 30})
    assert [s["budget_s"] for s in changed["steps"] if s["id"].startswith("win.")] == [60, 30]
    assert [s["budget_s"] for s in script("debrief")["steps"] if s["id"].startswith("win.")] == [45, 45]


# -- the machines ------------------------------------------------------------------------

def test_a_longer_time_out_break_ends_at_the_new_time():
    d = Driver("timeout", timings={"break": 30 * 60})
    d.at(15)
    assert d.find("timeout.return_reprompt")[0].text.endswith("The default is 30 minutes.")
    d.at(31)                                   # nobody agreed a time: the configured default
    assert d.step == "break"
    d.restart()                                # a restart mid-break keeps the break's length
    d.at(30 + 30 * 60 - 1)
    assert d.status == "active"
    d.at(30 + 30 * 60)
    assert d.status == "completed" and "in 30 minutes" in d.said[-1].text


def test_a_shorter_time_out_break_and_return_budget():
    d = Driver("timeout", timings={"break": 5 * 60, "return": 10})
    d.at(10)
    assert d.step == "break"
    d.at(10 + 5 * 60)
    assert d.status == "completed" and "in 5 minutes" in d.said[-1].text


def test_changed_debrief_budgets_move_the_segment_ends_but_not_the_end():
    d = Driver("debrief", timings={"appreciation.1": 60, "win.2": 15})
    d.send("Yes"); d.send("Yes")
    assert d.step == "appreciation.1"
    d.at(70)                  # its share of 600 s: 60 of the 510 s of budgets left (no promises to review)
    assert d.step == "appreciation.1"
    d.restart()
    d.at(71)
    assert d.step == "appreciation.2"
    d.at(599)
    assert d.step == "win.2" and d.status == "active"
    d.at(600)
    assert d.status == "completed" and d.said[-1].key == "debrief.end"


def test_the_default_debrief_is_unchanged():
    d = Driver("debrief")
    d.send("Yes"); d.send("Yes")
    d.at(35)                                   # 600 * 30 / 510
    assert d.step == "appreciation.1"
    d.at(36)
    assert d.step == "appreciation.2"


def test_a_running_routine_keeps_the_timings_it_started_with():
    old = Driver("timeout")
    new = Driver("timeout", timings={"break": 5 * 60})
    state = old.machine.to_state()
    assert state["vars"]["minutes"] == 20 and new.machine.to_state()["vars"]["minutes"] == 5
    old.at(31 + 5 * 60)
    assert old.status == "active"
    old.at(30 + 20 * 60)
    assert old.status == "completed"


def test_start_refuses_invalid_timings():
    with pytest.raises(ValueError, match="repair.nope"):
        Machine.start("repair", T0, partners=("Alex", "Sam"), timings={"nope": 60})


# -- through the API: PATCH /settings, then a new routine ----------------------------------

@pytest.fixture
def api(settings, clock):
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": clock, "TESTING": True})
    yield app.test_client(), clock
    app.extensions["attune.db"].close()


def test_patch_timings_applies_to_the_next_routine_not_the_running_one(api):
    client, clock = api
    bad = client.patch(f"{API}/settings", json={"routine_timings": {"timeout": {"brake": 600}}})
    assert bad.status_code == 400
    error = bad.get_json()["error"]
    assert error["field"] == "routine_timings" and "timeout.brake" in error["message"]
    assert "'routine_timings'" in error["message"]
    assert client.get(f"{API}/settings").get_json()["settings"]["routine_timings"]["value"] == {}

    assert client.post(f"{API}/routines", json={"routine": "timeout"}).status_code == 201
    changed = client.patch(f"{API}/settings", json={"routine_timings": {"timeout": {"break": 600}}})
    assert changed.status_code == 200
    clock.now += 30 + 600
    assert client.get(f"{API}/routine").get_json()["active"] is True      # running: still 20 minutes
    clock.now += 600
    assert client.get(f"{API}/routine").get_json()["active"] is False

    assert client.post(f"{API}/routines", json={"routine": "timeout"}).status_code == 201
    clock.now += 30 + 599
    assert client.get(f"{API}/routine").get_json()["step"] == "break"
    clock.now += 1
    view = client.get(f"{API}/routine").get_json()
    assert view["active"] is False and view["status"] is None
    said = client.get(f"{API}/utterances?after=0").get_json()["utterances"]
    assert "in 10 minutes" in said[-1]["text"]
