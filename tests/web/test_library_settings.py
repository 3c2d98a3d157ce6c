"""Phrase library and settings pages, driven by plain form posts (no JavaScript)."""

from __future__ import annotations

import pytest

from server import create_app
from attune.settings import Settings


@pytest.fixture(autouse=True)
def _apis():
    pytest.importorskip("server.api.phrases", reason="the phrases API is not in this build")
    pytest.importorskip("server.api.settings", reason="the settings API is not in this build")


def html(response) -> str:
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_browse_by_category(client):
    page = html(client.get("/phrases?category=calm"))
    assert "Let&#39;s both take a slow breath." in page
    assert "I&#39;m sorry. I can see how that hurt you." not in page


def test_add_own_phrase_then_favourite_and_unfavourite_it(client, csrf, seeded):
    response = client.post("/phrases/custom", data={"csrf_token": csrf, "category": "calm",
                                                   "text": "Hand on heart, <slow down>"})
    assert response.status_code == 303
    page = html(client.get("/phrases?category=calm"))
    assert "Hand on heart, &lt;slow down&gt;" in page and 'class="tag">yours' in page
    assert client.post("/viewing-as", data={"csrf_token": csrf, "viewer": str(seeded["alex"])}).status_code == 303
    response = client.post("/phrases/favourite", data={"csrf_token": csrf, "phrase_id": "custom.1"},
                           follow_redirects=True)
    page = html(response)
    assert "Saved to favourites." in page and "(Alex)" in page
    favourite_id = client.get("/api/v1/favourites").get_json()["favourites"][0]["id"]
    response = client.post("/phrases/unfavourite", data={"csrf_token": csrf, "favourite_id": str(favourite_id)},
                           follow_redirects=True)
    assert "Removed from favourites." in html(response)
    assert client.get("/api/v1/favourites").get_json()["favourites"] == []


def test_bad_phrase_input_is_explained_not_a_500(client, csrf):
    response = client.post("/phrases/custom", data={"csrf_token": csrf, "category": "nope", "text": "x"},
                           follow_redirects=True)
    assert 'class="flash flash-error"' in html(response)
    response = client.post("/phrases/favourite", data={"csrf_token": csrf, "phrase_id": "calm.999"},
                           follow_redirects=True)
    assert "no phrase" in html(response)


def test_settings_save_names_voice_and_helplines(app, client, csrf):
    form = {"csrf_token": csrf, "partner_1": "Alex", "partner_2": "Robin", "voice_rate": "150",
            "voice_volume": "0.5", "helpline_locale": "en-GB", "rituals": "Sunday walk, tea",
            "timing:repair:what:m": "1", "timing:repair:what:s": "30"}  # the default: nothing to change
    response = client.post("/settings", data=form, follow_redirects=True)
    assert "Settings saved." in html(response)
    settings = app.config["ATTUNE_SETTINGS"]
    assert settings.partners == ("Alex", "Robin") and settings.voice_rate == 150
    assert settings.voice_volume == 0.5 and settings.helpline_locale == "en-GB"
    assert settings.rituals == ("Sunday walk", "tea")
    assert "Robin" in html(client.get("/"))
    response = client.post("/settings", data=dict(form, voice_rate="9000"), follow_redirects=True)
    assert "voice rate:" in html(response) and app.config["ATTUNE_SETTINGS"].voice_rate == 150


def test_settings_locked_by_the_environment_are_shown_locked(tmp_path):
    settings = Settings(db_path=tmp_path / "a.sqlite3", partners=("Alex", "Sam"))
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_SETTING_SOURCES": {"partners": "env"},
                      "TESTING": True})
    try:
        page = html(app.test_client().get("/settings"))
        assert "Locked: set by an ATTUNE_* environment variable" in page
        assert 'name="partner_1" value="Alex" maxlength="40" required disabled' in page
    finally:
        app.extensions["attune.db"].close()
