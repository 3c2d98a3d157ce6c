"""The Privacy page and the settings page's phones section, in-process (the real HTTPS server is in
tests/api/test_lan.py): a pairing QR code, the paired phones with a revoke button, the log."""

from __future__ import annotations

import re

import pytest

from server import create_app
from server.runner import _redact
from attune.settings import Settings

LAN = {"attune.lan": True, "wsgi.url_scheme": "https"}


@pytest.fixture
def lan_app(tmp_path, clock):
    settings = Settings(db_path=tmp_path / "attune.sqlite3", partners=("Alex", "Sam"), lan=True,
                        lan_host="127.0.0.2", lan_port=5318)
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": clock, "TESTING": True})
    yield app
    app.extensions["attune.db"].close()


def csrf(client, path="/privacy", **kw) -> str:
    page = client.get(path, **kw).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_pairing_code_then_the_phone_is_listed_and_revoked_from_settings(lan_app, clock):
    main = lan_app.test_client()
    token = csrf(main)
    page = main.post("/privacy/pair", data={"partner": "Sam", "csrf_token": token}).get_data(as_text=True)
    assert 'class="qr" src="data:image/svg+xml' in page
    link = re.search(r'<code class="pair-link">https://127\.0\.0\.2:5318(/pair/[^<]+)</code>', page).group(1)
    assert "5 minutes" in page

    phone = lan_app.test_client()
    assert phone.get("/routine", environ_base=LAN, base_url="https://127.0.0.2:5318").status_code == 401
    phone_token = csrf(phone, link, environ_base=LAN, base_url="https://127.0.0.2:5318")
    answer = phone.post(link, data={"csrf_token": phone_token, "label": "Sam's Pixel"}, environ_base=LAN,
                        base_url="https://127.0.0.2:5318")
    assert answer.status_code == 303
    routine = phone.get("/routine", environ_base=LAN, base_url="https://127.0.0.2:5318").get_data(as_text=True)
    assert "This is Sam" in routine and "s phone." in routine and 'id="viewer"' not in routine
    assert 'href="/settings"' not in routine  # the main machine's pages are not offered

    settings = main.get("/settings").get_data(as_text=True)
    assert "Sam&#39;s Pixel" in settings and "Revoke" in settings
    device_id = re.search(r'/privacy/devices/(\d+)/revoke', settings).group(1)
    main.post(f"/privacy/devices/{device_id}/revoke", data={"csrf_token": csrf(main, "/settings")})
    assert "No phone is paired." in main.get("/settings").get_data(as_text=True)
    assert phone.get("/routine", environ_base=LAN, base_url="https://127.0.0.2:5318").status_code == 401
    log = main.get("/privacy").get_data(as_text=True)
    assert "device paired (Sam)" in log and "device revoked (Sam)" in log


def test_a_link_opened_on_the_main_machine_does_not_pair_it(lan_app):
    main = lan_app.test_client()
    page = main.post("/privacy/pair", data={"partner": "Alex", "csrf_token": csrf(main)}).get_data(as_text=True)
    link = re.search(r'https://127\.0\.0\.2:5318(/pair/[^<"]+)', page).group(1)
    assert main.get(link).status_code == 400


def test_phones_off_says_how_to_turn_them_on(client):
    page = client.get("/settings").get_data(as_text=True)
    assert "attune serve --lan" in page and "Show pairing code" not in page


def test_stored_utterances_leave_out_a_private_answer_they_repeat():
    assert _redact("You said Lonely tonight. Thank you.", ["lonely"]) == "You said … tonight. Thank you."
    assert _redact("Nothing to hide.", ["lonely"]) == "Nothing to hide."
