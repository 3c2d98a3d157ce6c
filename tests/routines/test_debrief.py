"""The nightly debrief, driven with a fake clock."""

from __future__ import annotations

import yaml
from importlib import resources

from server.routines import AddEntry, MarkCommitment
from server.routines.language import script

from tests.routines.helpers import Driver

PROMISES = {"promises": [{"id": 7, "partner": 1, "what": "call at lunch"}]}


def test_budgets_sum_to_ten_minutes():
    spec = script("debrief")
    assert spec["total_s"] == 600
    assert sum(step["budget_s"] for step in spec["steps"]) == 600


def test_full_debrief_both_partners_ends_at_ten_minutes_with_announcements():
    d = Driver("debrief", context=PROMISES)
    assert d.step == "ready.1"
    d.at(3); d.send("Yes")
    d.at(5); d.send("Yes")
    assert d.step == "appreciation.1"
    d.at(20); d.send(text="Thank you for cooking dinner")
    d.at(25); d.send("Skip")
    assert d.step == "appreciation.2"
    d.at(40); d.send(text="You listened when I was tired"); d.send("Skip")
    d.at(60); d.send(text="The meeting with my boss")           # hardest.1, still talking
    # hardest.1 started at 40 with 560 s left over 470 s of budgets still to come: 40 + 560 * 40 / 470
    d.at(87.6)
    assert d.step == "hardest.1"
    d.at(87.7)
    assert d.step == "feeling.1"
    d.send("Feeling", feeling="anxious")
    d.at(150); d.send(text="Traffic"); d.send("Skip")
    d.send("Feeling", feeling="tired")
    d.send("Need", need="reassurance")
    d.send(text="Text me at lunch"); d.send("Skip")
    d.send("Need", need="rest")
    d.send(text="Put the kids to bed"); d.send("Skip")
    assert d.step == "reflect.1"
    d.send(text="You felt anxious about your boss"); d.send("Skip")
    d.send("Partly")
    d.send(text="You're worn out"); d.send("Skip")
    d.send("Yes")
    assert d.step == "promises.7"
    d.send("Yes")
    d.send(text="9 pm")
    assert d.step == "win.1"
    d.at(599.5)
    assert d.step == "win.2" and d.status == "active"
    d.at(600)
    assert d.status == "completed"
    end = d.said[-1]
    assert end.kind == "end" and end.clock_s == 600.0 and "at 9 pm" in end.text
    assert [u.clock_s for u in d.find("announce.debrief_halfway")] == [300.0]
    assert [u.clock_s for u in d.find("announce.debrief_one_minute")] == [540.0]
    entries = [e for e in d.effects if isinstance(e, AddEntry)]
    kinds = [(e.partner, e.kind) for e in entries]
    assert (0, "appreciation") in kinds and (1, "appreciation") in kinds
    assert (0, "feeling") in kinds and (1, "need") in kinds and (0, "heard") in kinds
    assert AddEntry(0, "feeling", "anxious", "feeling.1") in entries
    assert AddEntry(0, "heard", "partly", "heard.1") in entries
    assert MarkCommitment(7, "kept") in d.effects
    assert d.machine.s.answers["ready.1"] == "yes"


def test_silence_runs_exactly_ten_minutes_with_one_reprompt_per_question():
    d = Driver("debrief")
    for second in range(0, 700, 7):
        d.at(second)
    assert d.status == "completed"
    assert d.said[-1].kind == "end" and d.said[-1].clock_s == 600.0
    reprompts = [u.step for u in d.said if u.kind == "reprompt"]
    assert len(reprompts) == len(set(reprompts))          # never more than one per question
    assert "feeling.1" in reprompts and "heard.2" in reprompts
    answers = d.machine.s.answers
    assert answers["feeling.1"] == "unanswered" and answers["tomorrow"] == "unanswered"
    assert not d.effects
    assert d.find("debrief.no_promises")


def test_silence_in_one_jump_gives_the_same_timeline():
    stepwise, jump = Driver("debrief"), Driver("debrief")
    for second in range(0, 601):
        stepwise.at(second)
    jump.at(10_000)
    assert [(u.key, u.step, u.clock_s) for u in stepwise.said] == [(u.key, u.step, u.clock_s) for u in jump.said]


def test_pause_and_resume_stop_the_clock_exactly():
    d = Driver("debrief")
    d.at(50)
    d.send("Pause")
    assert d.machine.view(d.now)["paused"]
    d.at(5000)
    assert d.machine.view(d.now)["clock_s"] == 50.0 and d.step == "appreciation.1"
    d.send("Skip")                      # ignored while paused
    assert d.step == "appreciation.1" and d.said[-1].key == "builtin.still_paused"
    d.send("Resume")
    assert d.said[-1].key == "debrief.appreciation"
    d.at(5000 + 550)
    assert d.machine.view(d.now)["clock_s"] == 600.0
    assert d.status == "completed" and d.said[-1].clock_s == 600.0


def test_overrunning_segment_moves_on_when_its_time_runs_out():
    d = Driver("debrief")
    d.at(1); d.send("Yes"); d.send("Yes")
    assert d.step == "appreciation.1"
    for second in range(2, 70, 5):      # keeps talking past the budget
        d.at(second)
        d.send(text="and another thing")
    d.at(70)
    assert d.step == "appreciation.2"
    time_up = d.find("announce.segment_time_up")
    # the time left unused (the readiness questions', and the 50 s of a promise review with no promises)
    # is shared over every step left, by budget: 1 + 599 * 30 / 510
    assert time_up and time_up[0].clock_s == round(1 + 599 * 30 / 510, 3) and time_up[0].step == "appreciation.1"
    d.send(text="what Sam appreciated")
    assert d.effects[-1].partner == 1


def test_skipped_time_is_shared_over_the_steps_left_and_the_debrief_still_ends_on_time():
    d = Driver("debrief")
    d.send("Yes"); d.send("Yes"); d.send("Skip")
    view = d.machine.view(d.now)
    # not piled on one step: appreciation.2 gets its share of the 600 s left, by budget (30 of the 480 s
    # of budgets left, with no promises to review)
    assert view["step"] == "appreciation.2" and view["segment_remaining_s"] == round(600 * 30 / 480, 3)
    d.at(1000)
    assert d.said[-1].clock_s == 600.0 and d.said[-1].key == "debrief.end"


def test_readiness_no_ends_gently():
    d = Driver("debrief")
    d.send("No")
    assert d.status == "stopped" and d.said[-1].key == "debrief.not_ready" and d.said[-1].kind == "end"


def test_not_understood_gets_an_example_and_no_loop():
    d = Driver("debrief")
    d.at(2)
    result = d.send(text="purple elephants")
    assert [u.key for u in result.utterances] == ["builtin.not_understood"]
    assert "'yes' or 'no'" in result.utterances[0].text
    assert d.step == "ready.1"
    d.at(30)                            # one reprompt, then moves on: never stalls
    assert d.step == "ready.2"


def test_builtins_everywhere():
    d = Driver("debrief")
    assert [u.key for u in d.send("Help").utterances] == ["builtin.help", "builtin.help_example"]
    assert d.send("Back").utterances[0].key == "builtin.no_back"
    d.send("Yes"); d.send("Yes")
    for intent, key in [("Repeat", "debrief.appreciation"), ("TimeLeft", "builtin.time_left"),
                        ("Help", "builtin.help")]:
        result = d.send(intent)
        assert result.utterances[0].key == key
    d.send("Back")
    assert d.step == "ready.2"
    d.send("Yes")
    assert d.step == "appreciation.1"
    d.send("Stop")
    assert d.status == "stopped" and d.said[-1].key == "builtin.stopped"


def test_expectations_restrict_the_recognizer():
    d = Driver("debrief")
    view = d.machine.view(d.now)
    assert view["expects"]["free_text"] is False
    assert {"Yes", "No", "Pause", "Skip", "RepairPhrase"} <= set(view["expects"]["intents"])
    assert "Feeling" not in view["expects"]["intents"]
    d.send("Yes"); d.send("Yes")
    assert d.machine.view(d.now)["expects"]["free_text"] is True


def test_safety_disclosure_stops_and_stores_nothing():
    d = Driver("debrief")
    d.send("Yes"); d.send("Yes")
    before = list(d.effects)
    result = d.send(text="honestly I'm afraid of him, he hit me last week")
    assert d.status == "stopped"
    assert [(u.key, u.keep) for u in result.utterances] == [("builtin.stopped", True), ("safety.help_page", False)]
    assert d.effects == before
    assert all("hit me" not in str(e) for e in d.effects)


def test_safety_in_a_slot_counts_too():
    d = Driver("debrief")
    result = d.send("Feeling", feeling="suicidal")
    assert d.status == "stopped" and result.utterances[-1].key == "safety.crisis_line"
    assert "988" in result.utterances[-1].text


def test_restart_mid_debrief_resumes_at_the_same_step_and_clock():
    a, b = Driver("debrief"), Driver("debrief")
    for d in (a, b):
        d.at(2); d.send("Yes"); d.send("Yes"); d.at(30)
        d.send(text="thanks for the coffee")
    before = b.machine.view(b.now)
    b.restart()
    after = b.machine.view(b.now)
    assert (after["step"], after["clock_s"]) == (before["step"], before["clock_s"]) == ("appreciation.1", 30.0)
    for d in (a, b):
        d.at(250)
    assert a.machine.to_state() == b.machine.to_state()
    assert [(u.key, u.clock_s) for u in a.said] == [(u.key, u.clock_s) for u in b.said]


def test_conflicting_answer_for_a_past_step_is_refused():
    d = Driver("debrief")
    d.send("Yes", step="ready.1")
    result = d.send("No", step="ready.1")
    assert result.conflict and d.step == "ready.2"


def test_time_scale_runs_the_clock_faster():
    d = Driver("debrief", scale=100)
    d.at(5.99)
    assert d.status == "active"
    d.at(6.0)
    assert d.status == "completed" and d.said[-1].clock_s == 600.0
