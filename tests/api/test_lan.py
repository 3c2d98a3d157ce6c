"""Phones on the home network, against a real `attune serve --lan`: HTTPS on 127.0.0.2 (standing in
for the LAN), the main machine on 127.0.0.1 over HTTP.

The client trusts exactly the certificate the server made at first start (so the test also proves
it is valid for the LAN address), and keeps cookies by hand to check their flags.
"""

from __future__ import annotations

import http.client
import json
import re
import secrets
import ssl
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

import pytest

API = None
"""The shared `http_json` helper (tests/conftest.py), for the main machine's calls."""


@pytest.fixture(autouse=True)
def _main_machine(http_json):
    global API
    API = http_json


class Phone:
    """A minimal HTTPS browser: keeps cookies, records every Set-Cookie header."""

    def __init__(self, server, source: str = "127.0.0.1"):
        self.server, self.source = server, source
        parts = urlsplit(server.lan_url)
        self.host, self.port = parts.hostname, parts.port
        self.context = ssl.create_default_context(cafile=str(server.db_path.parent / "lan-cert.pem"))
        self.cookies: dict[str, str] = {}
        self.set_cookies: list[str] = []

    def request(self, method: str, path: str, body=None, form=None, headers=None):
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=15,
                                           source_address=(self.source, 0))
        head = dict(headers or {})
        data = None
        if body is not None:
            data, head["Content-Type"] = json.dumps(body).encode(), "application/json"
        if form is not None:
            data, head["Content-Type"] = urlencode(form).encode(), "application/x-www-form-urlencoded"
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=data, headers=head)
        response = conn.getresponse()
        raw = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(header)
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        conn.close()
        return response.status, response.headers, raw

    def json(self, method: str, path: str, body=None, headers=None):
        """A JSON call as the page's script makes it (with the page's CSRF token once it has a session)."""
        head = dict(headers or {})
        if method != "GET" and "attune_session" in self.cookies:
            page = self.request("GET", "/routine")[2]
            head["X-CSRF-Token"] = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        status, _, raw = self.request(method, path, body=body, headers=head)
        return status, (json.loads(raw) if raw else None)

    def pair(self, link: str):
        """Open a pairing link and press "Pair" (status of the POST, its headers)."""
        path = urlsplit(link).path
        status, _, page = self.request("GET", path)
        assert status == 200, page[:300]
        token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
        return self.request("POST", path, form={"csrf_token": token, "label": "test phone"})[:2]


def new_link(server, partner: str = "Sam") -> str:
    status, body = API("POST", f"{server}/api/v1/pairing", {"partner": partner})
    assert status == 201, body
    assert body["qr_svg"].startswith("data:image/svg+xml")
    return body["url"]


def test_the_certificate_is_made_here_and_its_fingerprint_shown(lan_server):
    from server.lan import fingerprint

    cert = lan_server.db_path.parent / "lan-cert.pem"
    assert oct(cert.stat().st_mode & 0o777) == "0o600"
    assert oct((lan_server.db_path.parent / "lan-key.pem").stat().st_mode & 0o777) == "0o600"
    shown = fingerprint(cert)
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", shown)
    assert shown in lan_server.log_path.read_text()
    # The main machine stays plain HTTP on loopback; the LAN listener speaks only TLS.
    assert API("GET", f"{lan_server}/api/v1/health")[0] == 200
    plain = http.client.HTTPConnection("127.0.0.2", int(urlsplit(lan_server.lan_url).port), timeout=10)
    try:
        plain.request("GET", "/")
        status = plain.getresponse().status
    except (http.client.HTTPException, ConnectionError):
        status = None
    assert status != 200
    assert lan_server.stop() == 0  # SIGTERM stops both listeners cleanly
    assert "state service stopped" in lan_server.log_path.read_text()


def test_unpaired_requests_get_401_and_see_nothing(lan_server):
    API("POST", f"{lan_server}/api/v1/entries", {"partner": "Sam", "kind": "note", "value": "walk at dusk"})
    phone = Phone(lan_server)
    for path in ("/", "/history", "/routine", "/api/v1/entries", "/api/v1/partners", "/privacy"):
        status, _, raw = phone.request("GET", path)
        assert status == 401, path
        assert b"walk at dusk" not in raw and b"Alex" not in raw and b"Sam" not in raw
    status, _, raw = phone.request("POST", "/api/v1/events", body={"intent": "Debrief"})
    assert status == 401
    # A forged token is no better than none.
    phone.cookies["attune_device"] = secrets.token_urlsafe(32)
    assert phone.request("GET", "/api/v1/entries")[0] == 401


def test_pairing_makes_the_phone_its_partner_with_a_strict_cookie(lan_server):
    phone = Phone(lan_server)
    status, headers = phone.pair(new_link(lan_server, "Sam"))
    assert status == 303 and headers["Location"].endswith("/routine")
    device_cookie = next(c for c in phone.set_cookies if c.startswith("attune_device="))
    flags = {part.strip().split("=")[0].lower() for part in device_cookie.split(";")}
    assert {"httponly", "secure", "path", "max-age"} <= flags
    assert "samesite=strict" in device_cookie.lower()
    assert int(re.search(r"Max-Age=(\d+)", device_cookie).group(1)) > 300 * 86400  # long-lived
    session_cookie = next(c for c in phone.set_cookies if c.startswith("attune_session="))
    assert "secure" in session_cookie.lower() and "httponly" in session_cookie.lower()

    # Only a hash of the token is stored.
    import sqlite3

    token = phone.cookies["attune_device"]
    with sqlite3.connect(lan_server.db_path) as conn:
        hashes = [r[0] for r in conn.execute("SELECT token_hash FROM devices")]
    assert len(hashes) == 1 and token not in hashes[0]

    assert phone.request("GET", "/routine")[0] == 200
    # What the phone sends is Sam's, whatever it claims.
    status, body = phone.json("POST", "/api/v1/routines", {"routine": "inventory", "partner": "Alex"})
    assert status == 201, body
    assert body["routine"]["partner"] == "Sam"
    status, body = phone.json("GET", "/api/v1/entries?as=Alex")
    assert status == 200
    # The main machine's controls are not for phones.
    for method, path in (("GET", "/settings"), ("GET", "/data"), ("GET", "/api/v1/devices"),
                         ("DELETE", "/api/v1/data"), ("POST", "/api/v1/pairing")):
        assert phone.json(method, path, body={} if method != "GET" else None)[0] == 403, path
    # The main machine lists the phone.
    status, body = API("GET", f"{lan_server}/api/v1/devices")
    assert [(d["partner"], d["label"]) for d in body["devices"]] == [("Sam", "test phone")]


def test_a_link_pairs_once_and_revoking_a_phone_locks_it_out(lan_server):
    link = new_link(lan_server, "Alex")
    phone = Phone(lan_server)
    assert phone.pair(link)[0] == 303
    assert Phone(lan_server).request("GET", urlsplit(link).path)[0] == 404  # used up
    assert phone.request("GET", "/api/v1/entries")[0] == 200
    device_id = API("GET", f"{lan_server}/api/v1/devices")[1]["devices"][0]["id"]
    assert API("DELETE", f"{lan_server}/api/v1/devices/{device_id}")[0] == 204
    assert phone.request("GET", "/api/v1/entries")[0] == 401
    assert phone.request("GET", "/routine")[0] == 401
    events = [e["event"] for e in json.loads(_privacy_log(lan_server))]
    assert "device_paired" in events and "device_revoked" in events


def _privacy_log(server) -> str:
    import sqlite3

    with sqlite3.connect(server.db_path) as conn:
        return json.dumps([{"event": r[0]} for r in conn.execute("SELECT event FROM security_log")])


@pytest.mark.parametrize("lan_server", [2], indirect=True)
def test_a_pairing_link_expires(lan_server):
    link = new_link(lan_server, "Sam")
    time.sleep(lan_server.pairing_ttl_s + 0.5)
    phone = Phone(lan_server)
    assert phone.request("GET", urlsplit(link).path)[0] == 404
    assert "attune_device" not in phone.cookies


def test_guessing_pairing_links_is_bounded(lan_server):
    """Random links: a few 404s, then 429s; nothing pairs, and it stays fast for the defender."""
    phone = Phone(lan_server)
    started = time.monotonic()
    statuses = [phone.request("GET", f"/pair/{secrets.token_urlsafe(32)}")[0] for _ in range(40)]
    statuses += [phone.request("POST", f"/pair/{secrets.token_urlsafe(32)}", form={"csrf_token": "x"})[0]
                 for _ in range(5)]
    assert time.monotonic() - started < 60
    assert statuses.count(404) == 5  # FREE_GUESSES, then the back-off
    assert set(statuses[5:]) <= {429, 403}
    assert "attune_device" not in phone.cookies
    assert API("GET", f"{lan_server}/api/v1/devices")[1]["devices"] == []
    # A real link still works from another device (another address) while this one waits.
    assert Phone(lan_server, source="127.0.0.3").pair(new_link(lan_server))[0] == 303


def test_guessing_a_passcode_from_a_phone_is_bounded_and_logged_without_it(lan_server):
    status, _ = API("PUT", f"{lan_server}/api/v1/privacy/passcode", {"partner": "Sam", "passcode": "right-one-42"})
    assert status == 200
    phone = Phone(lan_server)
    phone.pair(new_link(lan_server, "Sam"))
    started = time.monotonic()
    csrf = {"X-CSRF-Token": re.search(rb'name="csrf-token" content="([^"]+)"',
                                      phone.request("GET", "/routine")[2]).group(1).decode()}
    answers = [phone.request("POST", "/api/v1/privacy/unlock", headers=csrf,
                             body={"partner": "Sam", "passcode": f"guess-{i:04d}"}) for i in range(25)]
    assert time.monotonic() - started < 60
    statuses = [a[0] for a in answers]
    assert statuses[:3] == [403, 403, 403] and set(statuses[3:]) == {429}
    assert all(int(a[1]["Retry-After"]) >= 1 for a in answers[3:])
    # Even the right passcode waits out the back-off (no oracle), and Alex's cannot be tried from Sam's phone.
    assert phone.json("POST", "/api/v1/privacy/unlock", {"partner": "Sam", "passcode": "right-one-42"})[0] == 429
    status, body = phone.json("POST", "/api/v1/privacy/unlock", {"partner": "Alex", "passcode": "whatever1"})
    assert status == 403 and body["error"]["code"] == "not_this_device"
    log = (lan_server.db_path.read_bytes() + _wal(lan_server))
    assert b"guess-00" not in log and b"right-one-42" not in log


def _wal(server) -> bytes:
    wal = server.db_path.with_name(server.db_path.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""
