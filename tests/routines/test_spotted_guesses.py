"""Word-spotted guesses (intents/spotter.py) act on commands but never swallow a dictated answer."""

from __future__ import annotations


from intents import Matcher
from tests.routines.helpers import post

# No template says this; the spotter reads it as Faster (see tests/intents/test_intents_spotter.py).
GUESSED = "hurry up a little"


def test_the_sentence_is_a_spotted_guess():
    result = Matcher.load("en").match(GUESSED)
    assert (result.intent, result.method) == ("Faster", "spotted")


def test_on_a_free_text_step_a_guess_is_the_answer_not_a_command(api, clock):
    client, app = api
    post(client, {"text": "start our nightly debrief", "source": "cli"})
    post(client, {"text": "yes"})
    reply = post(client, {"text": "yes", "partner": "Sam"})
    assert reply["routine"]["step"] == "appreciation.1" and reply["routine"]["expects"]["free_text"]
    post(client, {"text": GUESSED})
    entries = app.extensions["attune.store"].list_entries(kind="appreciation")
    assert [e["value"] for e in entries] == [GUESSED]


def test_a_template_built_in_still_interrupts_dictation(api, clock):
    client, app = api
    post(client, {"text": "start our nightly debrief", "source": "cli"})
    post(client, {"text": "yes"})
    post(client, {"text": "yes", "partner": "Sam"})
    reply = post(client, {"text": "next"})
    assert reply["routine"]["step"] == "appreciation.2"
    assert app.extensions["attune.store"].list_entries(kind="appreciation") == []
