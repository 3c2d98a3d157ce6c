"""The matcher's API: frozen results, no-match values, step expectations, settings lists."""

from __future__ import annotations

import dataclasses

import pytest

from intents import BUILTIN_INTENTS, INTENT_NAMES, STARTER_INTENTS, Matcher, MatchResult


def test_exports():
    assert len(set(INTENT_NAMES)) == len(INTENT_NAMES) == 35  # 28 + Explain + the 6 schedule intents
    assert set(BUILTIN_INTENTS) | set(STARTER_INTENTS) <= set(INTENT_NAMES)
    assert "Skip" in BUILTIN_INTENTS and "LogRitual" in STARTER_INTENTS


def test_result_is_frozen_and_serialisable(matcher):
    result = matcher.match("I feel kind of lonely")
    assert result == MatchResult("Feeling", {"feeling": "lonely"}, 1.0, "I feel kind of lonely", "template")
    assert result.to_dict() == {"intent": "Feeling", "slots": {"feeling": "lonely"}, "confidence": 1.0,
                                "text": "I feel kind of lonely"}
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.intent = "Need"  # type: ignore[misc]


@pytest.mark.parametrize("text", ["", "   ", "?!", "turn on the kitchen lights", "blorp fizz"])
def test_no_match_is_a_value(matcher, text):
    result = matcher.match(text, expect=["Feeling"])
    assert (result.intent, result.slots, result.confidence, result.text) == (None, {}, 0.0, text)
    assert not result.matched


@pytest.mark.parametrize("text, expect, intent, slots", [
    ("lonely", ["Feeling"], "Feeling", {"feeling": "lonely"}),
    ("I feel kind of lonely", ["Feeling"], "Feeling", {"feeling": "lonely"}),
    ("lonely", None, None, {}),                       # a bare value needs its step
    ("space", ["Need"], "Need", {"need": "space"}),
    ("space", ["Feeling"], None, {}),
    ("yes", ["Feeling"], "Yes", {}),
    ("yeah", ["Yes", "No"], "Yes", {}),
    ("sure", None, "Yes", {}),
    ("stop", ["Feeling"], "Stop", {}),                # built-ins are always honoured
    ("next", ["Yes", "No"], "Skip", {}),
    ("done", ["Need"], "Skip", {}),
    ("I'm finished", None, "Skip", {}),
    ("how much time is left", ["Feeling"], "TimeLeft", {}),
    ("what time is left", None, "TimeLeft", {}),
    ("that's enough", None, "Stop", {}),
    ("I need help", None, "Help", {}),                # a built-in outranks another intent...
    ("I need help", ["Need"], "Need", {"need": "help"}),  # ...but not the step's own intent
    ("help", ["Need"], "Help", {}),                   # a bare value never hides a built-in
    ("start the debrief", ["Feeling"], "StartDebrief", {}),  # starters still work mid-step
])
def test_expectations(matcher, text, expect, intent, slots):
    result = matcher.match(text, expect=expect)
    assert (result.intent, dict(result.slots)) == (intent, slots)


def test_unknown_expected_names_are_ignored(matcher):
    assert matcher.match("lonely", expect=["NoSuchIntent", "Feeling"]).intent == "Feeling"


def test_near_miss_is_repaired_with_lower_confidence(matcher):
    result = matcher.match("I feel lonley")
    assert (result.intent, result.slots, result.method) == ("Feeling", {"feeling": "lonely"}, "repaired")
    assert 0.5 <= result.confidence < 1.0
    assert matcher.match("lets start the de brief").intent == "StartDebrief"
    assert matcher.match("we need a time out").intent == "TimeOut"


def test_cache_keeps_the_callers_text(matcher):
    assert matcher.match("Yes!").text == "Yes!"
    assert matcher.match("yes").text == "yes"
    assert matcher.match("YES").intent == "Yes"


def test_partner_and_ritual_lists_come_from_settings():
    m = Matcher.load("en", extra_lists={"partner": ["Jo", "Anne-Marie"], "ritual": ["Sunday Walk", "weekly meal"]})
    assert m.slot_values("partner") == ("Jo", "Anne-Marie")
    assert m.slot_values("ritual").count("weekly meal") == 1 and "sunday walk" in m.slot_values("ritual")
    assert m.match("it's anne marie").slots == {"partner": "Anne-Marie"}
    assert m.match("JO", expect=["IdentifyPartner"]).slots == {"partner": "Jo"}
    assert m.match("we did our sunday walk").slots == {"ritual": "sunday walk"}
    assert m.match("it's Alex").intent is None


def test_slot_values_and_names(matcher):
    feelings = matcher.slot_values("feeling")
    assert len(feelings) >= 60 and all(f == f.lower() for f in feelings)
    for word in ("hurt", "lonely", "unimportant", "anxious", "grateful", "overwhelmed", "frustrated",
                 "calm", "disconnected", "tired"):
        assert word in feelings
    needs = matcher.slot_values("need")
    for word in ("safety", "respect", "warmth", "autonomy", "connection", "rest", "reassurance", "space",
                 "appreciation", "help", "closeness", "fun", "understanding"):
        assert word in needs
    assert set(matcher.slot_values("repair_category")) == {
        "feeling", "sorry", "agree", "calm", "stop", "appreciate", "validate", "impact"}
    assert {"weekly meal", "joint exercise", "tech free time"} <= set(matcher.slot_values("ritual"))
    assert matcher.intent_names == INTENT_NAMES
    with pytest.raises(KeyError):
        matcher.slot_values("colour")


@pytest.mark.parametrize("text", ["I'm not happy", "I feel like I'm not heard", "I don't feel safe",
                                  "not grateful at all"])
def test_negations_never_flip_a_feeling(matcher, text):
    result = matcher.match(text, expect=["Feeling"])
    assert result.slots.get("feeling") not in ("happy", "heard", "safe", "grateful"), result


def test_one_matcher_serves_many_threads():
    """The server matches from several request threads at once with one matcher."""
    from concurrent.futures import ThreadPoolExecutor

    fresh = Matcher.load("en", extra_lists={"partner": ["Alex", "Sam"]})
    texts = ["I feel kind of lonely", "start the debrief", "yes", "turn on the lights", "I need space",
             "how much time is left", "it's Sam", "give me a sorry phrase"] * 25
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda t: fresh.match(t, expect=["Feeling", "Need"]), texts))
    expected = [fresh.match(t, expect=["Feeling", "Need"]) for t in texts]
    assert [(r.intent, r.slots) for r in results] == [(r.intent, r.slots) for r in expected]
