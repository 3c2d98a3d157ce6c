"""The schedule's intents (intents/data/en/schedule.yaml): table-driven cases with canonical slots."""

from __future__ import annotations

import pytest
import yaml

from intents import INTENT_NAMES, SLOT_NAMES
from intents.names import SCHEDULE_INTENTS

from conftest import CASES

TABLE = yaml.safe_load((CASES / "schedule.yaml").read_text(encoding="utf-8"))
IDLE_EXPECTS = ["StartDebrief", "StartWeeklyReview", "StartRepair", "StartNeedsInventory", "TimeOut", "LogRitual",
                "RepairPhrase", "AnotherOne", "SaveFavorite", "ReadFavorites", *SCHEDULE_INTENTS]


def test_schedule_intents_are_registered():
    assert set(SCHEDULE_INTENTS) <= set(INTENT_NAMES)
    assert SLOT_NAMES["SetReminder"] == ("time",) and SLOT_NAMES["Snooze"] == ("minutes",)
    assert {c["intent"] for c in TABLE["cases"]} >= set(SCHEDULE_INTENTS)


@pytest.mark.parametrize("case", TABLE["cases"], ids=lambda c: c["text"])
def test_schedule_case(matcher, case):
    result = matcher.match(case["text"], expect=case.get("expect"))
    assert (result.intent, dict(result.slots)) == (case["intent"], case.get("slots") or {})
    assert result.confidence >= 0.5


@pytest.mark.parametrize("case", [c for c in TABLE["cases"] if c["intent"] in SCHEDULE_INTENTS],
                         ids=lambda c: c["text"])
def test_schedule_case_with_the_idle_expectations(matcher, case):
    """What the server expects when nothing runs (no reminder waiting) is enough."""
    result = matcher.match(case["text"], expect=IDLE_EXPECTS)
    assert (result.intent, dict(result.slots)) == (case["intent"], case.get("slots") or {})


@pytest.mark.parametrize("case", TABLE["in_routine"], ids=lambda c: c["text"])
def test_in_a_routine_the_schedule_is_not_heard(matcher, case):
    result = matcher.match(case["text"], expect=["Feeling", "Pause", "Skip"])
    assert result.intent == case["intent"]


@pytest.mark.parametrize("text,time", [("nine thirty", "21:30"), ("half past eight", "20:30"),
                                        ("quarter to ten", "21:45"), ("seven am", "07:00"),
                                        ("twelve", "12:00"), ("eleven fifty", "23:50")])
def test_time_values_are_canonical(matcher, text, time):
    result = matcher.match(f"remind us at {text}", expect=["SetReminder"])
    assert result.slots == {"time": time}
