"""Repair, needs inventory, time-out and weekly review, driven with a fake clock."""

from __future__ import annotations

import json

from server.routines import AddCommitment, AddEntry, AddWeeklyReview, ShareEntries

from tests.routines.helpers import Driver


def test_repair_stores_impact_need_request_and_a_measurable_promise():
    d = Driver("repair", starter=0, context={"utc_offset_s": 0})
    assert d.step == "what" and d.machine.view(d.now)["partner"] == "Alex"
    d.send(text="You were late for dinner and didn't call"); d.send("Skip")   # telling steps end with "done"
    d.send(text="When this happened, I felt unimportant"); d.send("Skip")
    d.send("Need", need="respect")
    d.send(text="Could you text me when you're running late?")
    assert d.step == "validate" and d.machine.view(d.now)["partner"] == "Sam"
    d.send(text="I can see why you'd feel hurt"); d.send("Skip")
    assert d.step == "goal"
    d.send(text="We both want to trust each other's plans"); d.send("Skip")
    result = d.send(text="I will text you before six, every evening this week")
    assert result.utterances[0].key == "repair.saved"
    commitment = [e for e in d.effects if isinstance(e, AddCommitment)][0]
    assert commitment.partner == 1 and commitment.what.startswith("I will text you")
    assert commitment.due_at == "2027-01-17T23:59:00Z"       # T0 is a Friday; Sunday of that week
    kinds = [e.kind for e in d.effects if isinstance(e, AddEntry)]
    assert kinds == ["rupture", "impact", "need", "request", "reflection", "note"]
    assert d.status == "completed" and d.said[-1].key == "repair.end"


def test_repair_promise_without_a_date_keeps_the_words():
    d = Driver("repair")
    for _ in range(6):
        d.send("Skip")
    assert d.step == "promise"
    d.send(text="I will pause before responding")
    assert d.said[-1].key == "repair.promise_specific" and d.step == "promise"   # asked once: by when?
    d.send("Skip")                                                               # no answer: kept as said
    commitment = [e for e in d.effects if isinstance(e, AddCommitment)][0]
    assert commitment.what == "I will pause before responding"
    assert commitment.due_at is None and d.find("repair.saved_no_due")


def test_needs_inventory_is_private_unless_shared():
    d = Driver("inventory", starter=1)
    d.send("Feeling", feeling="lonely")
    d.send("Need", need="connection")
    d.send(text="Could we walk together after dinner")
    d.send(text="keep it private")
    entries = [e for e in d.effects if isinstance(e, AddEntry)]
    assert [e.kind for e in entries] == ["feeling", "need", "request"]
    assert all(e.private and e.partner == 1 for e in entries)
    assert not [e for e in d.effects if isinstance(e, ShareEntries)]
    assert "walk together" not in json.dumps(d.machine.to_state())     # never kept in session state


def test_needs_inventory_share_it():
    d = Driver("inventory")
    d.send("Feeling", feeling="anxious"); d.send("Need", need="reassurance"); d.send(text="A hug")
    d.send(text="share it")
    assert d.find("inventory.shared")
    assert ShareEntries(0) in d.effects


def test_needs_inventory_yes_shares_and_stop_keeps_private():
    d = Driver("inventory")
    d.send("Feeling", feeling="calm"); d.send("Skip"); d.send("Skip"); d.send("Yes")
    assert d.effects[-1] == ShareEntries(0)
    d = Driver("inventory")
    d.send("Feeling", feeling="calm"); d.send("Stop")
    assert [e.private for e in d.effects] == [True]


def test_timeout_default_twenty_minutes_with_reminder():
    d = Driver("timeout")
    assert d.keys()[:2] == ["timeout.start", "timeout.return"]
    d.at(31)                                 # nobody agreed a time: the default
    assert d.step == "break" and d.find("timeout.calm")
    d.at(30 + 1199)
    assert d.status == "active"
    d.at(30 + 1200)
    assert d.status == "completed"
    assert d.said[-1].key == "timeout.end" and "in 20 minutes" in d.said[-1].text


def test_timeout_agreed_return_time():
    d = Driver("timeout")
    d.send(text="in 30 minutes")
    d.at(30 * 60 - 1)
    assert d.status == "active"
    d.send("TimeLeft")
    assert d.said[-1].text == "One second left in this part."
    d.at(30 * 60)
    assert d.status == "completed" and "in 30 minutes" in d.said[-1].text


def test_weekly_review_speaks_figures_and_stores_the_review():
    figures = {"debriefs": 4, "needs": ["rest", "connection"], "kept": 2, "made": 3,
               "rituals": {"weekly meal": 1}}
    d = Driver("weekly_review", context={"figures": figures, "week_start": "2027-01-11"})
    assert d.said[0].text == "This week: 4 debriefs; 2 promises kept. Rituals: weekly meal once."
    d.send(text="the debriefs"); d.send(text="mornings"); d.send(text="earlier bedtime")
    d.send(text="you made tea"); d.send(text="you listened")
    review = [e for e in d.effects if isinstance(e, AddWeeklyReview)][0]
    assert (review.week_start, review.worked, review.didnt_work, review.adjust) == \
        ("2027-01-11", "the debriefs", "mornings", "earlier bedtime")
    assert [e.kind for e in d.effects if isinstance(e, AddEntry)] == \
        ["worked", "didnt_work", "adjust", "appreciation", "appreciation"]


def test_every_routine_ends_on_silence():
    for routine in ("debrief", "repair", "inventory", "timeout", "weekly_review"):
        d = Driver(routine)
        for second in range(0, 3600, 60):
            d.at(second)
        assert d.status == "completed", routine
        assert d.said[-1].kind == "end"


def test_a_routine_left_for_hours_is_abandoned_quietly():
    d = Driver("debrief")
    d.send("Pause")
    d.at(7 * 3600)
    assert d.status == "abandoned" and d.said[-1].key == "builtin.paused"
    assert d.machine.view(d.now)["active"] is False


def test_identify_partner_before_answering_changes_whose_inventory_it_is():
    d = Driver("inventory")
    assert d.machine.view(d.now)["partner"] == "Alex"
    d.send("IdentifyPartner", partner="Sam")
    assert d.machine.view(d.now)["partner"] == "Sam" and d.said[-1].key == "inventory.feeling"
    assert "Sam" in d.said[-1].text
    d.send("Feeling", feeling="calm")
    d.send("IdentifyPartner", partner="Alex")
    assert d.said[-1].key == "builtin.identified" and d.machine.view(d.now)["partner"] == "Sam"
    assert d.effects[0].partner == 1


def test_timeout_break_is_capped_at_three_hours():
    d = Driver("timeout")
    d.send(text="in 8 hours")
    assert d.machine.s.vars["minutes"] == 180
