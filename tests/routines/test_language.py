"""All language is data: every key code or scripts refer to exists; phrases; help lines; due dates."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from server.phrases import CATEGORIES, load_phrases, pick_phrase
from intents.names import ROUTINES
from server.routines.due import parse_due, parse_minutes
from server.routines.language import helplines, language, script

ROOT = Path(__file__).resolve().parents[2]
CODE = [*sorted((ROOT / "server" / "routines").glob("*.py")), ROOT / "server" / "runner.py",
        ROOT / "server" / "api" / "routines.py"]
SECTIONS = sorted(language().prompts and {k.split(".")[0] for k in language().prompts})
KEY = re.compile(r"""["']((?:%s)\.(?!yaml\b)[a-z_]+)["']""" % "|".join(SECTIONS))
SCRIPT_KEYS = ("prompt", "reprompt", "example", "empty", "saved", "saved_no_due", "missing", "shared",
               "kept", "stop_key", "hint", "explain", "follow_up")


def test_every_prompt_key_used_in_code_exists():
    lang, used = language(), set()
    for path in CODE:
        if path.exists():
            used |= set(KEY.findall(path.read_text()))
    # keys built at run time: f"announce.segment_{name}" for each segment announcement
    used |= {f"announce.segment_{n}" for n in ("halfway", "one_minute", "time_up")}
    used |= {f"routine_names.{r}" for r in ROUTINES}
    assert len(used) > 20
    missing = sorted(k for k in used if not lang.has(k))
    assert not missing


@pytest.mark.parametrize("routine", ROUTINES)
def test_every_script_refers_to_existing_prompt_keys(routine):
    lang, spec = language(), script(routine)
    keys = [spec["end"], *[a["key"] for a in spec.get("announce", [])], *spec.get("defaults", {}).values(),
            *([spec["end_early"]] if "end_early" in spec else [])]
    for step in spec["steps"]:
        keys += [step[k] for k in SCRIPT_KEYS if k in step]
        for name in step.get("announce", []):
            keys.append(f"announce.segment_{name}")
    missing = [k for k in keys if not lang.has(k)]
    assert not missing
    ids = [s["id"] for s in spec["steps"]]
    assert len(ids) == len(set(ids))


def test_missing_key_is_an_error_not_spoken():
    with pytest.raises(KeyError, match="nope.nothing"):
        language().text("nope.nothing")


def test_phrase_library_has_eight_or_more_per_category_with_stable_ids():
    phrases = load_phrases("en")
    ids = [p["id"] for p in phrases]
    assert len(ids) == len(set(ids))
    for category in CATEGORIES:
        mine = [p for p in phrases if p["category"] == category]
        assert len(mine) >= 8
        assert all(p["id"].startswith(f"{category}.") for p in mine)
    assert set(phrases[0]) == {"id", "category", "text"}


def test_pick_phrase_least_recently_used_never_twice_in_a_row():
    phrases = load_phrases("en")
    used: dict[str, str] = {}
    last = None
    seen = []
    for n in range(20):
        phrase = pick_phrase(phrases, "calm", used, last)
        assert phrase["id"] != last
        used[phrase["id"]] = f"2027-01-01T00:00:{n:02d}Z"
        last = phrase["id"]
        seen.append(last)
    assert seen[:8] == [f"calm.{n}" for n in range(1, 9)]
    assert seen[8] == "calm.1"
    single = [{"id": "x.1", "category": "x", "text": "only"}]
    assert pick_phrase(single, "x", {}, "x.1")["id"] == "x.1"
    assert pick_phrase(phrases, "nonexistent", {}, None) is None


def test_helplines_by_locale_with_default():
    assert any("988" in str(line) for line in helplines("en-US"))
    assert any("116 123" in str(line) for line in helplines("en-GB"))
    assert helplines("xx-XX") == helplines("default")
    assert helplines("en_GB") == helplines("en-GB")


NOW = datetime(2027, 1, 15, 18, 30, tzinfo=timezone(timedelta(hours=1)))   # a Friday, UTC+1


@pytest.mark.parametrize("text,expected", [
    ("I will call you by friday", "2027-01-15T22:59:00Z"),
    ("I'll do the dishes tomorrow", "2027-01-16T22:59:00Z"),
    ("I will put the phone away tonight", "2027-01-15T22:59:00Z"),
    ("I'll book it in 3 days", "2027-01-18T17:30:00Z"),
    ("I'll check in after work every evening this week", "2027-01-17T22:59:00Z"),
    ("by monday I will have asked", "2027-01-18T22:59:00Z"),
    ("in two hours", "2027-01-15T19:30:00Z"),
    ("next week", "2027-01-22T22:59:00Z"),
    ("I will pause before responding", None),
])
def test_due_phrases(text, expected):
    assert parse_due(text, NOW) == expected


@pytest.mark.parametrize("text,minutes", [("in 30 minutes", 30), ("half an hour", 30), ("an hour", 60),
                                          ("twenty minutes", 20), ("45", 45), ("at nine", None)])
def test_break_minutes(text, minutes):
    assert parse_minutes(text) == minutes


def test_routine_scripts_expect_only_known_intents():
    import intents

    for routine in ROUTINES:
        for step in script(routine)["steps"]:
            assert set(step.get("expects", [])) <= set(intents.INTENT_NAMES), (routine, step["id"])
