"""Attacks on a localhost service, each proved by a test.

DNS rebinding (foreign Host), cross-site form posts without a CSRF token, requests
from another Origin, stored HTML/script shown on every page, a non-loopback bind
without a token (real `attune serve`, refuses to start), and a token that every
request must then present.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

from crash_bench import free_port, server_env  # noqa: E402

from .helpers import changed_tables, make_app, snapshot

ENTRY = {"partner": "Alex", "kind": "note", "value": "hello"}


@pytest.fixture
def app_db(tmp_path):
    app = make_app(tmp_path / "attune.sqlite3")
    yield app, tmp_path / "attune.sqlite3"
    app.extensions["attune.db"].close()


# -- DNS rebinding: a foreign Host header ---------------------------------------------------------
FOREIGN_HOSTS = ["evil.example", "evil.example:5317", "127.0.0.1.evil.example", "localhost.evil.example:5317",
                 "attune.local", "192.168.1.20:5317", "[::ffff:7f00:1]", "127.0.0.1:5317@evil.example"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
@pytest.mark.parametrize("method,path", [("GET", "/api/v1/entries"), ("GET", "/"), ("GET", "/history"),
                                         ("POST", "/api/v1/entries"), ("GET", "/api/v1/export")])
def test_foreign_host_header_is_refused(app_db, host, method, path):
    app, db_path = app_db
    before = snapshot(db_path)
    response = app.test_client().open(path, method=method, json=ENTRY if method == "POST" else None,
                                      headers={"Host": host})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_host"
    assert changed_tables(before, snapshot(db_path)) == []


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.1:5317", "localhost:5317", "[::1]:5317"])
def test_loopback_host_names_are_served(app_db, host):
    app, _ = app_db
    assert app.test_client().get("/api/v1/health", headers={"Host": host}).status_code == 200


def test_foreign_host_refused_by_the_real_server(live_server):
    conn = http.client.HTTPConnection("127.0.0.1", live_server.port, timeout=10)
    conn.request("GET", "/api/v1/entries", headers={"Host": f"rebind.evil.example:{live_server.port}"})
    response = conn.getresponse()
    assert response.status == 400 and json.loads(response.read())["error"]["code"] == "bad_host"
    conn.close()


# -- CSRF: a cross-site form post without the token ------------------------------------------------
def page_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def custom_phrases(db_path):
    return snapshot(db_path)["custom_phrases"]


def test_form_post_without_csrf_token_is_refused_and_with_it_works(app_db):
    app, db_path = app_db
    browser = app.test_client()
    token = page_token(browser.get("/phrases").get_data(as_text=True))  # the browser has a session now
    form = {"category": "calm", "text": "Let's slow down."}
    before = snapshot(db_path)
    for attempt in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
        response = browser.post("/phrases/custom", data={**form, **attempt})
        assert response.status_code == 403, attempt
        assert response.get_json()["error"]["code"] == "csrf"
    # A fresh attacker-side client (no session cookie at all) is refused too.
    assert app.test_client().post("/phrases/custom", data={**form, "csrf_token": token}).status_code == 403
    assert changed_tables(before, snapshot(db_path)) == []
    # The page's own form, with its token, works (so the refusals above are the guard, not a broken form).
    assert browser.post("/phrases/custom", data={**form, "csrf_token": token}).status_code == 303
    assert len(custom_phrases(db_path)) == 1


@pytest.mark.parametrize("path,form", [
    ("/data/delete", {"confirm": "delete everything"}),
    ("/routine/start", {"routine": "debrief"}),
    ("/routine/event", {"intent": "StartDebrief"}),
    ("/settings", {"voice_rate": "200"}),
    ("/viewing-as", {"partner": "1"}),
    ("/api/v1/entries", ENTRY),
    ("/privacy/passcode", {"partner": "Sam", "passcode": "attacker-1", "confirm": "attacker-1"}),
    ("/privacy/unlock", {"partner": "Sam", "passcode": "guess-123"}),
    ("/privacy/pair", {"partner": "Sam"}),
    ("/privacy/devices/1/revoke", {}),
    ("/privacy/forget", {"partner": "Sam", "confirm": "delete my private entries"}),
    ("/data/export", {"format": "json"}),
])
def test_every_state_changing_form_needs_the_token(app_db, path, form):
    app, db_path = app_db
    browser = app.test_client()
    browser.get("/")
    before = snapshot(db_path)
    response = browser.post(path, data=form)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "csrf"
    assert changed_tables(before, snapshot(db_path)) == []


def test_json_from_the_page_session_needs_the_token_header(app_db):
    app, db_path = app_db
    browser = app.test_client()
    token = page_token(browser.get("/phrases").get_data(as_text=True))
    before = snapshot(db_path)
    assert browser.post("/api/v1/entries", json=ENTRY).status_code == 403
    # text/plain is what a cross-site <form enctype=text/plain> or fetch(no-cors) can send.
    assert browser.post("/api/v1/entries", data=json.dumps(ENTRY), content_type="text/plain").status_code == 403
    assert app.test_client().post("/api/v1/entries", data=json.dumps(ENTRY),
                                  content_type="text/plain").status_code == 403
    assert changed_tables(before, snapshot(db_path)) == []
    assert browser.post("/api/v1/entries", json=ENTRY, headers={"X-CSRF-Token": token}).status_code == 201


# -- Another Origin ---------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1.evil.example:5317"},
    {"Origin": "https://localhost.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
@pytest.mark.parametrize("method,path", [("POST", "/api/v1/entries"), ("DELETE", "/api/v1/data"),
                                         ("PATCH", "/api/v1/settings"), ("POST", "/api/v1/events")])
def test_request_from_another_origin_is_refused(app_db, headers, method, path):
    app, db_path = app_db
    body = {"POST /api/v1/entries": ENTRY, "DELETE /api/v1/data": {"confirm": "delete everything"},
            "PATCH /api/v1/settings": {"voice_rate": 200},
            "POST /api/v1/events": {"intent": "StartDebrief"}}[f"{method} {path}"]
    before = snapshot(db_path)
    response = app.test_client().open(path, method=method, json=body, headers=headers)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "cross_origin"
    assert "Access-Control-Allow-Origin" not in response.headers
    assert changed_tables(before, snapshot(db_path)) == []


def test_same_origin_works_and_cors_is_never_granted(app_db):
    app, _ = app_db
    client = app.test_client()
    ok = client.post("/api/v1/entries", json=ENTRY, headers={"Origin": "http://127.0.0.1:5317",
                                                              "Sec-Fetch-Site": "same-origin"})
    assert ok.status_code == 201
    for method in ("GET", "OPTIONS"):
        response = client.open("/api/v1/entries", method=method, headers={
            "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in response.headers
        assert "Access-Control-Allow-Credentials" not in response.headers


# -- Stored HTML and script: escaped everywhere it is shown -----------------------------------------
PAYLOAD = '<script>alert("attune")</script><img src=x onerror=alert(1)>"\' autofocus onfocus="alert(2)'
RAW_MARKERS = ("<script>alert", "<img src=x", 'onfocus="alert')
PAGES = ["/", "/history", "/history?page=1", "/charts", "/phrases", "/phrases?category=calm", "/routine",
         "/settings", "/data", "/data/delete"]


def seed_payloads(client):
    """Put the payload everywhere a user's words or names are stored."""
    api = lambda method, path, body: client.open(path, method=method, json=body)  # noqa: E731
    for kind in ("feeling", "need", "request", "appreciation", "answer", "hardest", "win", "note"):
        assert api("POST", "/api/v1/entries", {"partner": "Alex", "kind": kind, "value": PAYLOAD}).status_code == 201
    session = api("POST", "/api/v1/sessions", {"routine": "debrief"}).get_json()
    assert api("POST", "/api/v1/entries", {"partner": "Sam", "kind": "feeling", "value": PAYLOAD,
                                            "session_id": session["id"], "step": "feelings"}).status_code == 201
    assert api("POST", "/api/v1/commitments", {"partner": "Sam", "what": PAYLOAD,
                                                "due_at": "2026-12-01"}).status_code == 201
    assert api("POST", "/api/v1/phrases/custom", {"category": "calm", "text": PAYLOAD}).status_code == 201
    assert api("POST", "/api/v1/ritual-log", {"ritual": "walk", "note": PAYLOAD}).status_code == 201
    figures = {"debriefs": 3, "needs": [PAYLOAD], "rituals": {PAYLOAD[:30]: 1}, PAYLOAD[:30]: PAYLOAD}
    assert api("POST", "/api/v1/weekly-reviews", {"week_start": "2026-11-23", "figures": figures,
                                                   "worked": PAYLOAD, "didnt_work": PAYLOAD,
                                                   "adjust": PAYLOAD}).status_code == 201
    api("POST", "/api/v1/events", {"intent": "LogRitual", "slots": {"ritual": PAYLOAD[:60]}, "partner": "Sam"})
    api("POST", "/api/v1/events", {"intent": "StartDebrief", "partner": "Alex"})
    api("POST", "/api/v1/events", {"text": PAYLOAD, "partner": "Alex"})
    # Names too: a partner renamed to markup, and a ritual name.
    api("PATCH", "/api/v1/settings", {"rituals": ['<b onmouseover="alert(3)">x</b>']})
    renamed = api("PATCH", "/api/v1/partners/2", {"name": "<i>Sam</i>"})
    return renamed.status_code == 200


def test_stored_markup_is_escaped_on_every_page(app_db):
    app, _ = app_db
    client = app.test_client()
    renamed = seed_payloads(client)
    shown_on = []
    for viewer in (None, "1", "2"):
        if viewer:
            token = page_token(client.get("/phrases").get_data(as_text=True))
            client.post("/viewing-as", data={"partner": viewer, "csrf_token": token})
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 200, path
            html = response.get_data(as_text=True)
            for marker in RAW_MARKERS + ('<b onmouseover=', "<i>Sam</i>"):
                assert marker not in html, f"{path} (viewing as {viewer}) shows raw {marker!r}"
            if "&lt;script&gt;alert(" in html:
                shown_on.append(path)
            assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    # The payload really was rendered (escaped) where people's words are shown.
    for path in ("/", "/history", "/phrases"):
        assert path in shown_on, f"payload never shown on {path}; shown on {sorted(set(shown_on))}"
    if renamed:
        assert "&lt;i&gt;Sam&lt;/i&gt;" in client.get("/history").get_data(as_text=True)


def test_api_returns_markup_as_json_data_not_html(app_db):
    app, _ = app_db
    client = app.test_client()
    created = client.post("/api/v1/entries", json={**ENTRY, "value": PAYLOAD})
    assert created.get_json()["value"] == PAYLOAD.strip()
    assert created.mimetype == "application/json"
    assert created.headers["X-Content-Type-Options"] == "nosniff"


# -- Non-loopback bind and the access token (real `attune serve`) ----------------------------------
def serve(tmp_path, *args, env_extra=None):
    env = server_env(tmp_path)
    env.update(env_extra or {})
    port = free_port()
    cmd = [sys.executable, "-m", "attune", "serve", "--port", str(port), "--db", str(tmp_path / "attune.sqlite3"),
           *args]
    return cmd, env, port


@pytest.mark.parametrize("how", ["flag 0.0.0.0", "flag ::", "env ATTUNE_HOST", "flag LAN address"])
def test_non_loopback_bind_without_token_refuses_to_start(tmp_path, how):
    extra, args = {}, []
    if how == "flag 0.0.0.0":
        args = ["--host", "0.0.0.0"]
    elif how == "flag ::":
        args = ["--host", "::"]
    elif how == "env ATTUNE_HOST":
        extra = {"ATTUNE_HOST": "0.0.0.0"}
    else:
        args = ["--host", "192.0.2.10"]
    cmd, env, port = serve(tmp_path, *args, env_extra=extra)
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "refusing to bind" in done.stderr and "access token" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "attune.sqlite3").exists(), "nothing is created before refusing"
    with pytest.raises(OSError):
        http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()


def test_with_a_token_every_request_must_present_it(tmp_path):
    token = "s3cret-token-for-test"
    cmd, env, port = serve(tmp_path, "--host", "0.0.0.0", env_extra={"ATTUNE_ACCESS_TOKEN": token})
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stdout.read()
                time.sleep(0.1)

        def ask(method, path, headers=None, body=None):
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            hdrs = {"Content-Type": "application/json", **(headers or {})}
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=hdrs)
            response = conn.getresponse()
            data = response.read()
            conn.close()
            return response.status, data, response

        paths = [("GET", "/api/v1/health", None), ("GET", "/api/v1/entries", None), ("GET", "/", None),
                 ("GET", "/history", None), ("GET", "/assets/style.css", None),
                 ("GET", "/api/v1/openapi.json", None), ("GET", "/api/v1/export", None),
                 ("POST", "/api/v1/entries", ENTRY), ("GET", "/no-such-page", None)]
        before = snapshot(tmp_path / "attune.sqlite3")
        for method, path, body in paths:
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {token}"},
                            {"Authorization": f"Bearer {token[:-1]}"}, {"Cookie": "attune_token=nope"}):
                status, data, _ = ask(method, path, headers, body)
                assert status == 401, (method, path, headers, status)
                assert token.encode() not in data
            status, _, _ = ask(method, path + ("&" if "?" in path else "?") + "token=wrong", {}, body)
            assert status == 401
        assert changed_tables(before, snapshot(tmp_path / "attune.sqlite3")) == []
        auth = {"Authorization": f"Bearer {token}"}
        assert ask("GET", "/api/v1/health", auth)[0] == 200
        assert ask("POST", "/api/v1/entries", auth, ENTRY)[0] == 201
        # ?token= once sets an HttpOnly cookie the page then uses.
        status, _, response = ask("GET", f"/?token={token}")
        assert status == 200
        cookie = response.getheader("Set-Cookie")
        assert cookie and "HttpOnly" in cookie
        assert ask("GET", "/history", {"Cookie": cookie.split(";")[0]})[0] == 200
    finally:
        process.terminate()
        process.wait(15)
        output = process.stdout.read()
        process.stdout.close()
    assert token.encode() not in output, "the access token must never be printed"


def test_token_on_loopback_is_enforced_too(tmp_path):
    app = make_app(tmp_path / "attune.sqlite3", access_token="tok")
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 401
    assert client.get("/api/v1/health", headers={"Authorization": "Bearer tok"}).status_code == 200
    app.extensions["attune.db"].close()
