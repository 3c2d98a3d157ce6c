"""Driving a routine from the page with plain form posts (the no-JavaScript path)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _routines_api():
    pytest.importorskip("server.api.routines", reason="the routines API is not in this build")


def view(client) -> dict:
    return client.get("/api/v1/routine").get_json()


def post(client, path: str, **form):
    response = client.post(path, data=form, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_start_answer_pause_resume_stop(client, csrf):
    page = client.get("/routine").get_data(as_text=True)
    assert 'value="debrief"' in page and "Start a routine" in page
    page = post(client, "/routine/start", csrf_token=csrf, routine="debrief", idempotency_key="k1")
    state = view(client)
    assert state["active"] and state["routine"] == "debrief"
    assert state["prompt"] in page.replace("&#39;", "'")
    assert 'name="intent" value="Yes"' in page and 'name="intent" value="No"' in page
    first = state["step"]
    assert first == "ready.1" and 'data-step="ready.1">Is now a good time?</dd>' in page   # a title, not the id
    post(client, "/routine/event", csrf_token=csrf, intent="Yes", partner=state["partner"])
    assert view(client)["step"] != first
    page = post(client, "/routine/event", csrf_token=csrf, intent="Pause")
    assert view(client)["paused"] and 'value="Resume"' in page and 'value="Pause"' not in page
    post(client, "/routine/event", csrf_token=csrf, intent="Resume")
    assert not view(client)["paused"]
    post(client, "/routine/event", csrf_token=csrf, intent="Stop")
    assert not view(client)["active"]


def test_free_text_is_matched_by_the_server(client, csrf):
    post(client, "/routine/start", csrf_token=csrf, routine="debrief")
    first = view(client)["step"]
    post(client, "/routine/event", csrf_token=csrf, text="Yes", partner="Alex")
    assert view(client)["step"] != first


def test_dashboard_shows_the_live_step(client, csrf):
    post(client, "/routine/start", csrf_token=csrf, routine="debrief")
    page = client.get("/").get_data(as_text=True)
    assert "In progress" in page and 'data-field="step"' in page and view(client)["step"] in page


def test_repeated_form_post_with_the_same_key_is_applied_once(client, csrf):
    post(client, "/routine/start", csrf_token=csrf, routine="debrief")
    first = view(client)["step"]
    post(client, "/routine/event", csrf_token=csrf, intent="Yes", idempotency_key="same")
    second = view(client)["step"]
    post(client, "/routine/event", csrf_token=csrf, intent="Yes", idempotency_key="same")
    assert first != second == view(client)["step"]


def test_repair_phrase_on_request(client, csrf):
    page = post(client, "/routine/event", csrf_token=csrf, intent="RepairPhrase", category="calm")
    assert "attune said:" in page


def test_bad_or_unprotected_posts(client, csrf):
    assert client.post("/routine/start", data={"routine": "debrief"}).status_code == 403
    assert "Choose a routine" in post(client, "/routine/start", csrf_token=csrf, routine="nope")
    assert "Say something first" in post(client, "/routine/event", csrf_token=csrf)
    assert not view(client)["active"]


def test_forms_work_when_an_access_token_is_required(tmp_path):
    from server import create_app
    from attune.settings import Settings

    settings = Settings(db_path=tmp_path / "a.sqlite3", partners=("Alex", "Sam"), access_token="s3cret")
    app = create_app({"ATTUNE_SETTINGS": settings, "TESTING": True})
    try:
        client = app.test_client()
        assert client.get("/routine").status_code == 401
        client.get("/routine?token=s3cret")  # sets the token cookie, as a bookmark would
        html = client.get("/routine").get_data(as_text=True)
        token = html.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        post(client, "/routine/start", csrf_token=token, routine="debrief")
        assert view(client)["active"]
    finally:
        app.extensions["attune.db"].close()


def test_delete_everything_ends_a_running_routine(client, csrf):
    post(client, "/routine/start", csrf_token=csrf, routine="debrief")
    assert view(client)["active"]
    page = post(client, "/data/delete", csrf_token=csrf, confirm="delete everything")
    assert "Everything was deleted" in page
    assert not view(client)["active"]
    assert client.get("/api/v1/utterances?after=0").get_json()["utterances"] == []


def test_an_answer_to_a_step_that_moved_on_is_refused_not_misfiled(client, csrf):
    """The page and the voice loop answer the same step: the later one gets a 409, shown on the page."""
    page = post(client, "/routine/start", csrf_token=csrf, routine="debrief")
    shown = view(client)["step"]
    assert f'name="step" value="{shown}"' in page
    # The voice loop answers first (no cookie, JSON), moving the routine on.
    client_voice = client.application.test_client()
    assert client_voice.post("/api/v1/events", json={"intent": "Yes", "step": shown}).status_code == 200
    moved = view(client)
    assert moved["step"] != shown
    page = post(client, "/routine/event", csrf_token=csrf, intent="Yes", step=shown)
    assert "no longer current" in page
    assert view(client)["step"] == moved["step"] and view(client)["version"] == moved["version"]
    # Controls are not tied to a step: Pause from the stale page still works.
    post(client, "/routine/event", csrf_token=csrf, intent="Pause", step=shown)
    assert view(client)["paused"]
