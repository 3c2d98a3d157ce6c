"""The voice loop's listening state: PUT by the loop, GET by the page; in memory, validated."""

from __future__ import annotations

import pytest


def test_off_until_a_loop_reports(client):
    body = client.get("/api/v1/listening").get_json()
    assert body["state"] == "off" and body["updated_at"] is None


def test_put_then_get_returns_the_state(client):
    put = client.put("/api/v1/listening", json={"state": "addressed", "wake_phrases": ["attune"],
                                                "addressed_remaining_s": 5.5, "reason": "wake"})
    assert put.status_code == 200
    body = client.get("/api/v1/listening").get_json()
    assert body["state"] == "addressed" and body["wake_phrases"] == ["attune"]
    assert body["reason"] == "wake" and body["addressed_remaining_s"] == 5.5 and body["updated_at"].endswith("Z")
    client.put("/api/v1/listening", json={"state": "talking"})
    assert client.get("/api/v1/listening").get_json()["state"] == "talking"


@pytest.mark.parametrize("body, field", [
    ({"state": "asleep"}, "state"),
    ({}, "state"),
    ({"state": "idle", "reason": "because"}, "reason"),
    ({"state": "idle", "wake_phrases": ["a"] * 6}, "wake_phrases"),
    ({"state": "idle", "mood": "happy"}, "mood"),
])
def test_bad_reports_are_400_naming_the_field(client, body, field):
    reply = client.put("/api/v1/listening", json=body)
    assert reply.status_code == 400 and reply.get_json()["error"]["field"] == field


def test_the_listening_state_is_per_app(app, settings):
    from server import create_app

    other = create_app({"ATTUNE_SETTINGS": settings, "TESTING": True})
    app.test_client().put("/api/v1/listening", json={"state": "open"})
    assert other.test_client().get("/api/v1/listening").get_json()["state"] == "off"


def test_the_live_partial_shows_the_state(app, client):
    assert client.post("/api/v1/routines", json={"routine": "debrief"}).status_code == 201
    page = client.get("/routine").get_data(as_text=True)
    assert 'data-field="listening" data-listening="off"' in page and "voice loop not running" in page
    loop = app.test_client()  # the voice loop: JSON without the page's cookie, so no CSRF token
    assert loop.put("/api/v1/listening", json={"state": "talking", "wake_phrases": ["attune"]}).status_code == 200
    page = client.get("/routine").get_data(as_text=True)
    assert 'data-listening="talking"' in page and "talking segment: only &#34;attune&#34; reaches attune" in page
