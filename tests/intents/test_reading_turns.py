"""Issue 20, items 3, 4 and 7 as the matcher sees them: a name in a sentence is content, a built-in
inside a short utterance wins, questions about the question are their own intent, and everyday
feeling words are understood. Every misread listed in the issue is a row here."""

from __future__ import annotations

import pytest

from server.routines.engine import ANYTIME, TALK_ANYTIME
from intents.names import ROUTINE_CONTROLS

FREE_TEXT = list(ROUTINE_CONTROLS + ANYTIME)          # what a free-text step listens for
TALKING = list(ROUTINE_CONTROLS + TALK_ANYTIME)        # what a talking segment listens for
FEELING = ["Feeling", *FREE_TEXT]


@pytest.mark.parametrize("text, expect, intent, slots", [
    # who is speaking: only a self-identification switches
    ("so last night Sam made plans without asking me", FREE_TEXT, None, {}),   # seen in the issue
    ("Sam made plans without asking me", FREE_TEXT, None, {}),
    ("I told Alex I was tired", FREE_TEXT, None, {}),
    ("when Alex came home, he didn't say hello", FREE_TEXT, None, {}),
    ("it's Sam", FREE_TEXT, "IdentifyPartner", {"partner": "Sam"}),
    ("Sam here", FREE_TEXT, "IdentifyPartner", {"partner": "Sam"}),
    ("this is Alex speaking", FREE_TEXT, "IdentifyPartner", {"partner": "Alex"}),
    ("Sam speaking", FREE_TEXT, "IdentifyPartner", {"partner": "Sam"}),
    ("okay, it's Alex", FREE_TEXT, "IdentifyPartner", {"partner": "Alex"}),
])
def test_who_is_speaking(matcher, text, expect, intent, slots):
    result = matcher.match(text, expect=expect)
    assert (result.intent, dict(result.slots)) == (intent, slots)


@pytest.mark.parametrize("text, expect, intent", [
    ("wait I need a second, pause", FREE_TEXT, "Pause"),          # seen: returned a repair phrase
    ("wait I need a second pause", FREE_TEXT, "Pause"),           # spoken: no comma
    ("hold on, pause", FEELING, "Pause"),
    ("I'm tired, next", TALKING, "Skip"),
    ("that's all I wanted to say, done", TALKING, "Skip"),
    ("sorry, stop", FREE_TEXT, "Stop"),
    ("I'm tongue tied, please help", FREE_TEXT, "RepairPhrase"),  # help with what the rest says
    ("pause the music in the living room", None, None),            # not said to attune
    ("I want to talk about it next week", TALKING, None),          # "next" inside a sentence is content
])
def test_a_builtin_anywhere_in_a_short_utterance_wins(matcher, text, expect, intent):
    assert matcher.match(text, expect=expect).intent == intent


@pytest.mark.parametrize("text", [
    "what does that mean", "um what does that mean", "sorry, what?", "what do you mean",
    "I don't understand the question", "what do you mean by that", "can you explain that",
    "what are you asking", "sorry I don't follow",
])
def test_questions_about_the_question_are_explain(matcher, text):
    for expect in (FREE_TEXT, FEELING, ["Yes", "No", *FREE_TEXT]):
        assert matcher.match(text, expect=expect).intent == "Explain", (text, expect)


def test_i_need_some_appreciation_is_not_a_request_while_partners_talk(matcher):
    # The matcher reads it as a phrase request; a talking segment does not listen for those
    # (the runner's accept_intent, tested in tests/routines/test_turns.py).
    assert matcher.match("I need some appreciation", expect=TALKING).intent not in TALKING


@pytest.mark.parametrize("text, feeling", [
    ("deflated", "deflated"), ("meh", "meh"), ("on edge", "on edge"), ("drained", "drained"),   # seen
    ("I feel deflated", "deflated"), ("honestly pretty meh", "meh"), ("I'm on edge", "on edge"),
    ("I'm so drained", "drained"), ("kind of flat", "flat"), ("frazzled", "frazzled"),
    ("I feel wiped out", "wiped out"), ("a bit jittery", "jittery"), ("gutted", "gutted"),
    ("I feel content", "content"), ("grateful", "grateful"), ("I'm feeling hopeful", "hopeful"),
    ("down", "sad"), ("worn out", "exhausted"),                    # lists.yaml's mappings stay
    ("I feel ignored", "ignored"), ("taken for granted", "taken for granted"),
])
def test_everyday_feeling_words(matcher, text, feeling):
    result = matcher.match(text, expect=["Feeling"])
    assert (result.intent, dict(result.slots)) == ("Feeling", {"feeling": feeling})


@pytest.mark.parametrize("text, need", [
    ("I need reassurance", "reassurance"), ("companionship", "companionship"), ("I need some sleep", "rest"),
    ("harmony", "harmony"), ("I need to matter", "to matter"), ("spontaneity", "spontaneity"),
])
def test_needs_words(matcher, text, need):
    result = matcher.match(text, expect=["Need"])
    assert (result.intent, dict(result.slots)) == ("Need", {"need": need})
