"""The safety stop: safe in a shared room, recorded as any stop, nothing of it kept."""

from __future__ import annotations

import json
import re

import pytest

from server import create_app
from server.db import migrations
from server.routines.language import helplines
from tests.routines.helpers import Driver

CATEGORY_WORDS = ("fear", "violence", "coercion", "self_harm", "self harm", "safety_stop", "safety stop")
# Words that would tell the room what was heard. The help page's name, "Help and safety", is
# the one mention of safety the stop makes, and it is on every page's footer anyway.
HINTS = ("violen", "abus", "hotline", "domestic", "danger", "emergency", "police", "suicid", "crisis", "hurt",
         "afraid", "fear", "threat", "control", "harm", "partner", "disclos", "911", "999", "988")
SAID = {
    "fear": "honestly I'm scared of him",
    "violence": "she grabbed my arm so hard it left a bruise",
    "coercion": "she took my bank card and gives me an allowance",
    "self_harm": "I've been thinking about ending it",
}
LOCALES = ("en-US", "en-GB", "en-IE", "en-CA", "en-AU", "en-NZ", "xx-XX")


def stopped_by(text: str, locale: str = "en-US") -> tuple[Driver, list]:
    d = Driver("debrief", helpline_locale=locale)
    d.send("Yes"); d.send("Yes")
    result = d.send(text=text)
    return d, list(result.utterances)


@pytest.mark.parametrize("category", ["fear", "violence", "coercion"])
@pytest.mark.parametrize("locale", LOCALES)
def test_other_disclosures_are_met_with_neutral_words_only(category, locale):
    d, said = stopped_by(SAID[category], locale)
    assert d.status == "stopped"
    assert [(u.key, u.kind, u.keep) for u in said] == [("builtin.stopped", "end", True),
                                                       ("safety.help_page", "info", False)]
    words = " ".join(u.text for u in said).lower()
    assert "help and safety" in words
    assert not [h for h in HINTS if h in words]
    assert not re.search(r"\d", words)                    # no number of any help line


@pytest.mark.parametrize("locale", LOCALES)
def test_self_harm_hears_the_crisis_line_and_nothing_about_abuse(locale):
    d, said = stopped_by(SAID["self_harm"], locale)
    assert [(u.key, u.keep) for u in said] == [("builtin.stopped", True), ("safety.crisis_line", False)]
    line = said[-1].text
    for h in helplines(locale):
        assert (h.contact in line) == (h.kind == "crisis")
    assert not any(w in line.lower() for w in ("abuse", "violence", "domestic", "hotline"))


def test_a_safety_stop_is_recorded_as_a_spoken_stop():
    safety, said = stopped_by(SAID["violence"])
    plain = Driver("debrief")
    plain.send("Yes"); plain.send("Yes")
    plain.send("Stop")
    kept = [(u.kind, u.key, u.text) for u in said if u.keep]
    assert kept == [(u.kind, u.key, u.text) for u in plain.said[-1:]]
    state, other = safety.machine.to_state(), plain.machine.to_state()
    assert state["status"] == other["status"] == "stopped"
    assert not [w for w in CATEGORY_WORDS if w in json.dumps(state)]


@pytest.mark.parametrize("category", sorted(SAID))
def test_nothing_of_what_was_said_is_stored(category):
    d = Driver("debrief")
    d.send("Yes"); d.send("Yes")
    before = list(d.effects)
    d.send(text=SAID[category])
    assert d.effects == before
    assert SAID[category] not in json.dumps(d.machine.to_state())


# -- through the HTTP API and the store ---------------------------------------------------
@pytest.fixture
def api(settings, clock):
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": clock, "TESTING": True})
    yield app.test_client(), app
    app.extensions["attune.db"].close()


def post(client, body, key=None):
    response = client.post("/api/v1/events", json=body, headers={"Idempotency-Key": key} if key else {})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def everything(app) -> str:
    db = app.extensions["attune.db"].read()
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return "\n".join(str(tuple(r)) for t in tables if t != "schema_migrations"
                     for r in db.execute(f'SELECT * FROM "{t}"'))


@pytest.mark.parametrize("category", sorted(SAID))
def test_routine_api_history_and_export_show_an_early_end_only(api, category):
    client, app = api
    post(client, {"intent": "StartDebrief"})
    post(client, {"intent": "Yes"}); post(client, {"intent": "Yes"})
    reply = post(client, {"text": SAID[category], "partner": "Sam"}, key=f"said-{category}")
    help_line = reply["utterances"][-1]
    assert help_line["seq"] is None
    session = app.extensions["attune.store"].list_sessions()[0]
    assert session["status"] == "stopped"
    shown = [client.get("/api/v1/routine").get_data(as_text=True),
             client.get("/api/v1/utterances?after=0").get_data(as_text=True),
             client.get(f"/api/v1/sessions/{session['id']}").get_data(as_text=True),
             client.get("/api/v1/export?format=json").get_data(as_text=True)]
    for text in shown:
        assert not [w for w in CATEGORY_WORDS if w in text.lower()]
        assert help_line["text"] not in text
    stored = everything(app)
    assert SAID[category] not in stored and help_line["text"] not in stored
    history = client.get("/history").get_data(as_text=True)
    assert "ended early" in history and "safety" not in history.split("<footer")[0].lower()


def test_a_disclosure_with_nothing_running_is_answered_and_never_stored(api):
    client, app = api
    reply = post(client, {"text": "everyone would be better off without me"}, key="said-1")
    assert [u["seq"] for u in reply["utterances"]] == [None]
    replay = client.post("/api/v1/events", json={"text": "everyone would be better off without me"},
                         headers={"Idempotency-Key": "said-1"})
    assert replay.headers["Idempotent-Replayed"] == "true" and "988" not in replay.get_data(as_text=True)
    assert "988" in reply["utterances"][0]["text"]
    assert client.get("/api/v1/utterances?after=0").get_json()["utterances"] == []
    assert "better off" not in everything(app)


def test_older_safety_stops_are_rewritten_as_stops(api):
    _, app = api
    db = app.extensions["attune.db"]
    with db.write() as conn:
        conn.execute("INSERT INTO sessions (routine, status, started_at, ended_at, state, updated_at)"
                     " VALUES ('debrief', 'safety_stop', '2026-01-01T20:00:00Z', '2026-01-01T20:05:00Z',"
                     " '{\"status\": \"safety_stop\"}', '2026-01-01T20:05:00Z')")
        sql = next(text for _, name, text in migrations() if name.endswith("_safety_stop_as_stop.sql"))
        conn.execute("\n".join(line for line in sql.splitlines() if not line.startswith("--")))
    row = db.read().execute("SELECT status, state FROM sessions").fetchone()
    assert row["status"] == "stopped" and json.loads(row["state"])["status"] == "stopped"
