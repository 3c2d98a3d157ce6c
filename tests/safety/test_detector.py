"""The disclosure detector: every misread named in issue 20, figures of speech, names, bad data."""

from __future__ import annotations

import pytest

from server.routines.disclosure import SafetyDataError, classify, compile_rules, normalise, rules_for
from server.routines.safety import disclosure

NAMES = ("Alex", "Sam")

# Issue 20, "What was seen": disclosures the old regular expressions let pass.
MISSED_BEFORE = [
    ("she grabbed my arm so hard it left a bruise", "violence"),
    ("I don't feel safe", "fear"),
    ("I'm afraid of what he'll do if I say no", "fear"),
    ("she took my bank card and gives me an allowance", "coercion"),
    ("everyone would be better off without me", "self_harm"),
    ("I've been thinking about ending it", "self_harm"),
]
# Issue 20, "What was seen": everyday sentences the old regular expressions stopped on.
STOPPED_BEFORE = [
    "it really hit me today how much I miss my mom",
    "my sister's divorce hit me hard",
    "the kids beat me at the board game again",
    "I need to end my shift early",
    "hit me up when you leave work",
    "so last night Sam made plans without asking me",
]


@pytest.mark.parametrize("text,category", MISSED_BEFORE)
def test_issue_disclosures_are_caught(text, category):
    assert disclosure([text], names=NAMES) == category


@pytest.mark.parametrize("text", STOPPED_BEFORE)
def test_issue_everyday_sentences_pass(text):
    assert disclosure([text], names=NAMES) is None


@pytest.mark.parametrize("text,category", [
    ("I'm scared of him when he drinks", "fear"),
    ("honestly I'm afraid of you sometimes", "fear"),
    ("I walk on eggshells around her", "fear"),
    ("she hit me", "violence"),
    ("he threatened to kill me", "violence"),
    ("my husband\u2019s hands were around my throat", "violence"),
    ("I got hit by him in the kitchen", "violence"),
    ("he won't let me see my friends", "coercion"),
    ("he takes my phone every night", "coercion"),
    ("I have to ask his permission to go out", "coercion"),
    ("sometimes I want to hurt myself", "self_harm"),
    ("I've been thinking about suicide", "self_harm"),
    ("I don\u2019t want to live anymore", "self_harm"),
    ("i dont want to be here anymore", "self_harm"),
])
def test_disclosures_in_other_words(text, category):
    assert disclosure([text]) == category


@pytest.mark.parametrize("text", [
    "I felt hurt when you were late", "you hurt me when you said that", "I need rest", "stop", "I'm tired",
    "the meeting killed my mood", "I was afraid we'd be late", "you're killing it at the new job",
    "my feet are killing me", "she beat me at tennis in straight sets", "I got hit by the ball at cricket",
    "I'm afraid of flying", "you never let me pick the film",
    pytest.param("I cut myself chopping onions", marks=pytest.mark.xfail(strict=True, reason=(
        "since round three the rules' accident excuse does not gate the classifier, which reads it as "
        "self-harm (round six 0.93 against 0.72): gating cost recall out of fold, bench/results/safety.md"))),
    pytest.param("he stabbed me in the back at work", marks=pytest.mark.xfail(strict=True, reason=(
        "round six's network reads the idiom as violence (0.97 against 0.72); the rules remove the figure "
        "of speech, but gating on it cost more false stops on writers left out; bench/results/safety.md"))),
    "I feel safe with you", "let's end the evening with a film",
    "I want to die my hair blue", "grab me a coffee on the way", "the price hit me like a ton of bricks",
])
def test_everyday_sentences_are_not_disclosures(text):
    assert disclosure([text]) is None


def test_a_partner_named_is_the_partner():
    assert disclosure(["Sam pushed me against the wall"], names=NAMES) == "violence"
    assert disclosure(["I'm scared of Alex"], names=NAMES) == "fear"
    # Without the configured names "Sam" is nobody the rules know; the classifier still reads it.
    assert classify("Sam pushed me against the wall", rules_for("en")) is None
    assert classify("Sam pushed me against the wall", rules_for("en"), NAMES) == "violence"
    assert disclosure(["Sam pushed me against the wall"]) == "violence"


def test_first_disclosure_of_several_texts_and_empty_ones():
    assert disclosure([None, "", "thanks for the tea", "he kicked me"]) == "violence"
    assert disclosure([]) is None


def test_normalising_expands_short_forms():
    rules = rules_for("en")
    assert normalise("I'm sure he'll say he won't", rules) == " i am sure he will say he will not "
    assert normalise("i dont feel SAFE, ok?", rules) == " i do not feel safe ok "


@pytest.mark.parametrize("data,message", [
    ({"classes": {}, "rules": {"fear": ["{nobody} scares me"]}}, "unknown class"),
    ({"barrier": [False], "rules": {}}, "must be quoted"),
    ({"rules": {"sadness": ["i am sad"]}}, "unknown category"),
    ({"rules": {"fear": ["i am sc@red"]}}, "bad word"),
])
def test_bad_safety_data_names_the_problem(data, message):
    with pytest.raises(SafetyDataError, match=message):
        compile_rules(data)


# What a couple says to attune itself: needs, feelings, answers, commands, odd test words.
@pytest.mark.parametrize("text", [
    "I need my autonomy", "I want to end this session now", "I was scared when he didn't call",
    "I'm angry, honestly", "I'm too upset, I need to step away", "how do I show him I appreciate him",
    "no it didn't work", "what's the time", "the lantern-6604 finally worked", "I'm craving intimacy",
])
def test_the_apps_own_talk_is_not_a_disclosure(text):
    assert disclosure([text], names=NAMES) is None


@pytest.mark.parametrize("text", [
    "I don't feel safe cycling to work on that road",
    "I feel unsafe up on the roof without a harness",
    "he grabbed me and hugged me at the airport",
    "she keeps our receipts in a folder because I asked her to",
    "I'm not allowed coffee after the operation",
])
def test_rules_leave_ordinary_unsafety_embraces_agreements_and_diets_to_the_classifier(text):
    assert classify(text, rules_for("en"), NAMES) is None


@pytest.mark.parametrize("text,category", [
    ("I don't feel safe at home with him", "fear"),
    ("I feel unsafe when he drinks", "fear"),
    ("he grabbed me by the hair", "violence"),
    ("she takes all my wages", "coercion"),
    ("I'm not allowed to see my friends", "coercion"),
])
def test_rules_still_read_their_disclosure_twins(text, category):
    assert classify(text, rules_for("en"), NAMES) == category
