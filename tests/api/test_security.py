"""Attacks on a localhost service: DNS rebinding, cross-site posts, other origins, CORS, tokens."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace

import pytest

from server import create_app
from server.cli import check_bind
from attune.settings import LoadedSettings, SettingsError, load_settings

API = "/api/v1"
ENTRY = {"partner": "Alex", "kind": "note", "value": "hello"}


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:5317", "127.0.0.1.nip.io",
                                  "localhost.attacker.example", "192.168.1.20:5317", ""])
def test_foreign_host_header_is_refused(client, host):
    response = client.get(f"{API}/sessions", headers={"Host": host})
    assert response.status_code == 400
    assert response.get_json()["error"]["field"] == "Host"


@pytest.mark.parametrize("host", ["localhost", "localhost:5317", "127.0.0.1:5317", "[::1]:5317"])
def test_loopback_host_names_are_served(client, host):
    assert client.get(f"{API}/health", headers={"Host": host}).status_code == 200


def test_cross_site_form_post_without_csrf_token_is_refused(app, client):
    for ctype in ("application/x-www-form-urlencoded", "multipart/form-data", "text/plain"):
        response = client.post(f"{API}/entries", data={"value": "x"} if "form" in ctype else "x",
                               content_type=ctype)
        assert response.status_code == 403, ctype
        assert response.get_json()["error"]["code"] == "csrf"
    assert app.extensions["attune.store"].count_entries() == 0


def test_page_requests_with_the_session_cookie_need_the_token(app, client):
    with client.session_transaction() as session:
        session["csrf_token"] = "secret-token"
    refused = client.post(f"{API}/entries", json=ENTRY)
    assert refused.status_code == 403 and refused.get_json()["error"]["field"] == "csrf_token"
    wrong = client.post(f"{API}/entries", json=ENTRY, headers={"X-CSRF-Token": "nope-é"})
    assert wrong.status_code == 403
    accepted = client.post(f"{API}/entries", json=ENTRY, headers={"X-CSRF-Token": "secret-token"})
    assert accepted.status_code == 201
    assert app.extensions["attune.store"].count_entries() == 1


def test_json_without_cookie_needs_no_token(client):
    """The voice loop posts JSON without cookies; browsers cannot do that cross-site without CORS."""
    assert client.post(f"{API}/entries", json=ENTRY).status_code == 201


@pytest.mark.parametrize("headers", [
    {"Origin": "https://attacker.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost.attacker.example:5317"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_request_from_another_origin_is_refused(app, client, headers):
    response = client.post(f"{API}/entries", json=ENTRY, headers=headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "cross_origin"
    assert app.extensions["attune.store"].count_entries() == 0


def test_same_origin_request_is_accepted(client):
    headers = {"Origin": "http://127.0.0.1:5317", "Sec-Fetch-Site": "same-origin"}
    assert client.post(f"{API}/entries", json=ENTRY, headers=headers).status_code == 201


def test_no_cors_headers_even_for_a_preflight(client):
    preflight = client.options(f"{API}/entries", headers={
        "Origin": "https://attacker.example", "Access-Control-Request-Method": "POST"})
    get = client.get(f"{API}/sessions", headers={"Origin": "https://attacker.example"})
    for response in (preflight, get):
        assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-")]
    assert get.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in get.headers["Content-Security-Policy"]


@pytest.fixture
def token_client(settings):
    app = create_app({"ATTUNE_SETTINGS": replace(settings, host="192.168.1.20", access_token="s3cret"),
                      "TESTING": True})
    yield app.test_client()
    app.extensions["attune.db"].close()


def test_with_an_access_token_every_request_must_present_it(token_client):
    host = {"Host": "192.168.1.20:5317"}
    assert token_client.get(f"{API}/health", headers=host).status_code == 401
    assert token_client.get(f"{API}/health", headers={**host, "Authorization": "Bearer wrong"}).status_code == 401
    assert token_client.get(f"{API}/health", headers={**host, "Authorization": "Bearer ünïcode"}).status_code == 401
    assert token_client.get(f"{API}/health", headers={**host, "Authorization": "Bearer s3cret"}).status_code == 200
    first = token_client.get(f"{API}/health?token=s3cret", headers=host)
    assert first.status_code == 200 and "attune_token=" in first.headers["Set-Cookie"]
    assert token_client.get(f"{API}/health", headers=host).status_code == 200  # the cookie now carries it
    assert token_client.get(f"{API}/health", headers={"Host": "evil.example"}).status_code == 400


def test_settings_never_show_the_token(token_client):
    body = token_client.get(f"{API}/settings", headers={"Host": "192.168.1.20", "Authorization": "Bearer s3cret"})
    assert body.get_json()["settings"]["access_token"]["value"] == "********"
    assert "s3cret" not in body.get_data(as_text=True)


def test_non_loopback_bind_without_token_refuses(tmp_path):
    loaded = load_settings(flags={"host": "0.0.0.0", "db_path": tmp_path / "x.sqlite3"}, env={},
                           config_path=tmp_path / "none.toml")
    with pytest.raises(SettingsError, match="access token"):
        check_bind(loaded)
    check_bind(LoadedSettings(replace(loaded.settings, access_token="t"), loaded.sources, loaded.config_path))


def test_attune_serve_refuses_a_non_loopback_bind_without_token(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "ATTUNE_CONFIG": str(tmp_path / "none.toml"), "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "attune", "serve", "--host", "0.0.0.0", "--port", "0",
                             "--db", str(tmp_path / "x.sqlite3")], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 2
    assert "refusing to bind to 0.0.0.0" in result.stderr
    assert not (tmp_path / "x.sqlite3").exists()
