"""Bad request bodies get a clear 4xx (the one JSON error shape) and write nothing.

Table-driven through the WSGI app, plus the same abuse over a real socket to
`attune serve` (waitress), where chunked bodies and lying lengths are possible.
"""

from __future__ import annotations

import http.client
import json
import socket

import pytest

from .helpers import changed_tables, make_app, snapshot

VALID = {"partner": "Alex", "kind": "note", "value": "ok"}


def nested(depth: int) -> str:
    return '{"partner": "Alex", "kind": "note", "value": ' + "[" * depth + "]" * depth + "}"


# (name, body bytes, content type, expected status, expected error field or None)
CASES = [
    ("oversized body", json.dumps({**VALID, "value": "x" * 70_000}).encode(), "application/json", 413, None),
    ("text/xml", b"<entry/>", "text/xml", 415, "Content-Type"),
    ("no content type", json.dumps(VALID).encode(), None, 415, "Content-Type"),
    ("form post (no CSRF token)", b"partner=Alex&kind=note&value=ok", "application/x-www-form-urlencoded", 403,
     "csrf_token"),
    ("text/plain JSON (no CSRF token)", json.dumps(VALID).encode(), "text/plain", 403, "csrf_token"),
    ("invalid UTF-8", b'{"partner": "Alex", "kind": "note", "value": "\xff\xfe bad"}', "application/json", 400,
     "body"),
    ("truncated JSON", b'{"partner": "Alex", "kind": "no', "application/json", 400, "body"),
    ("empty body", b"", "application/json", 400, "body"),
    ("top-level array", b"[1, 2, 3]", "application/json", 400, "body"),
    ("NaN", b'{"partner": "Alex", "kind": "note", "value": NaN}', "application/json", 400, "body"),
    ("very long string", json.dumps({**VALID, "value": "x" * 2001}).encode(), "application/json", 400, "value"),
    ("60 000-character string", json.dumps({**VALID, "value": "y" * 60_000}).encode(), "application/json", 400,
     "value"),
    ("deep nesting 20 000", nested(20_000).encode(), "application/json", 400, "body"),
    ("deep nesting 40", nested(40).encode(), "application/json", 400, "body"),
    ("nested object as text", json.dumps({**VALID, "value": {"a": {"b": "c"}}}).encode(), "application/json", 400,
     "value"),
    ("NUL in text", json.dumps({**VALID, "value": "a\x00b"}).encode(), "application/json", 400, "value"),
    ("lone surrogate", b'{"partner": "Alex", "kind": "note", "value": "\\ud800"}', "application/json", 400,
     "value"),
    ("huge integer", json.dumps({**VALID, "session_id": 10**40}).encode(), "application/json", 400, "session_id"),
    ("unknown field", json.dumps({**VALID, "admin": True}).encode(), "application/json", 400, "admin"),
    ("wrong type", json.dumps({**VALID, "private": "yes"}).encode(), "application/json", 400, "private"),
    ("unknown partner", json.dumps({**VALID, "partner": "Mallory"}).encode(), "application/json", 400, "partner"),
    ("bad Idempotency-Key", json.dumps(VALID).encode(), "application/json", 400, "Idempotency-Key"),
]


@pytest.fixture
def app_db(tmp_path):
    app = make_app(tmp_path / "attune.sqlite3")
    yield app, tmp_path / "attune.sqlite3"
    app.extensions["attune.db"].close()


@pytest.mark.parametrize("name,body,content_type,status,field", CASES, ids=[c[0] for c in CASES])
def test_bad_body_is_a_clear_4xx_and_writes_nothing(app_db, name, body, content_type, status, field):
    app, db_path = app_db
    key = "bad key with spaces" if name == "bad Idempotency-Key" else "k-" + name.replace(" ", "_")
    headers = {"Idempotency-Key": key}
    if content_type:
        headers["Content-Type"] = content_type
    before = snapshot(db_path)
    response = app.test_client().post("/api/v1/entries", data=body, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert error["status"] == status and len(error["message"]) < 300
    if field:
        assert error["field"] == field
    assert changed_tables(before, snapshot(db_path)) == []


@pytest.mark.parametrize("path", ["/api/v1/commitments", "/api/v1/ritual-log", "/api/v1/events",
                                  "/api/v1/routines", "/api/v1/sessions", "/api/v1/phrases/custom"])
@pytest.mark.parametrize("body,content_type,status", [
    (b"\xc3\x28", "application/json", 400),
    (b"[" * 5000, "application/json", 400),
    (b"{}", "application/xml", 415),
    (b"z" * 70_000, "application/json", 413),
])
def test_every_write_endpoint_refuses_garbage(app_db, path, body, content_type, status):
    app, db_path = app_db
    before = snapshot(db_path)
    response = app.test_client().post(path, data=body, headers={"Content-Type": content_type})
    assert response.status_code == status, f"{path}: {response.get_data(as_text=True)[:300]}"
    assert response.get_json()["error"]["status"] == status
    assert changed_tables(before, snapshot(db_path)) == []


def raw_exchange(port: int, payload: bytes, timeout: float = 10.0) -> bytes:
    """Send raw bytes to the live server and read its whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_live_server_refuses_oversized_chunked_and_lying_bodies(live_server):
    port = live_server.port
    before = snapshot(live_server.db_path)
    head = (b"POST /api/v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
    # 1 MiB chunked body (no Content-Length): refused, not buffered into a write.
    body = json.dumps({**VALID, "value": "x" * (1 << 20)}).encode()
    chunked = head + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    chunked += b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
    assert status_of(raw_exchange(port, chunked)) == 413
    # Content-Length far beyond what is sent, then the client hangs up: nothing is dispatched.
    big = head + b"Content-Length: 50000000\r\nConnection: close\r\n\r\n" + b"{"
    answer = raw_exchange(port, big)
    assert answer == b"" or 400 <= status_of(answer) < 500
    # Content-Length shorter than what follows: only the declared bytes are parsed -> bad JSON.
    short = json.dumps(VALID).encode()
    lying = head + b"Content-Length: 10\r\nConnection: close\r\n\r\n" + short
    assert status_of(raw_exchange(port, lying)) == 400
    # Invalid UTF-8 and deep nesting over the real socket.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    for payload in (b'{"partner":"Alex","kind":"note","value":"\xff"}', b"[" * 30_000):
        conn.request("POST", "/api/v1/entries", body=payload, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        assert response.status == 400 and json.loads(response.read())["error"]["status"] == 400
    conn.close()
    assert changed_tables(before, snapshot(live_server.db_path)) == []
    # And the server still works.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("POST", "/api/v1/entries", body=json.dumps(VALID), headers={"Content-Type": "application/json"})
    assert conn.getresponse().status == 201
    conn.close()
