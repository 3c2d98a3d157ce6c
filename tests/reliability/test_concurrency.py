"""Concurrency: the voice loop and the web page write the same session at once.

Against a real `attune serve` (waitress threads, one SQLite file): the voice side is
`voice.client.Client` (JSON, no cookies, journalled events); the web side is a browser
session (cookie + CSRF token, JSON like static/app.js). Nothing is lost when both
write at once, and when two edits conflict (same step, same version) exactly one wins
and the other gets a clear 409.
"""

from __future__ import annotations

import http.client
import json
import re
import sqlite3
import threading
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from voice.client import Client, ClientError

from .helpers import current_step, wait_for


class WebPage:
    """A browser tab on the page: session cookie from a page load, CSRF token from its form."""

    def __init__(self, base_url: str, port: int):
        self.port = port
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/routine")
        response = conn.getresponse()
        html = response.read().decode()
        conn.close()
        self.cookie = response.getheader("Set-Cookie").split(";")[0]
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def form(self, path: str, fields: dict) -> int:
        """A no-JavaScript form post (the page's own idempotency key and CSRF token); returns the status."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = urllib.parse.urlencode({**fields, "csrf_token": self.csrf, "idempotency_key": uuid.uuid4().hex})
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": self.cookie,
            "Origin": f"http://127.0.0.1:{self.port}"})
        response = conn.getresponse()
        response.read()
        conn.close()
        return response.status

    def send(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        hdrs = {"Content-Type": "application/json", "Cookie": self.cookie, "X-CSRF-Token": self.csrf,
                "Origin": f"http://127.0.0.1:{self.port}", "Sec-Fetch-Site": "same-origin",
                "Idempotency-Key": "web-" + uuid.uuid4().hex, **(headers or {})}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=hdrs)
        response = conn.getresponse()
        raw = response.read()
        conn.close()
        return response.status, (json.loads(raw) if raw else {})


class Voice:
    """The voice loop's client; `send` returns (status, body) instead of raising."""

    def __init__(self, base_url: str, tmp_path):
        self.client = Client(base_url, tmp_path / f"journal-{uuid.uuid4().hex}.jsonl", timeout=30)

    def event(self, body: dict) -> tuple[int, dict]:
        try:
            return 200, self.client.post_event({"source": "voice", **body})
        except ClientError as err:
            return err.status, err.body

    def send(self, method: str, path: str, body=None, headers=None) -> tuple[int, dict]:
        try:
            return 200, self.client._request(method, path.removeprefix("/api/v1"), body, headers)
        except ClientError as err:
            return err.status, err.body


def rows(db_path, sql, *params):
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


@pytest.fixture
def both(live_server, tmp_path):
    return Voice(live_server, tmp_path), WebPage(live_server, live_server.port)


def start_debrief(voice, live_server):
    status, _ = voice.event({"intent": "StartDebrief", "partner": "Alex", "time_scale": 0.05})
    assert status == 200
    for answer in ("Yes", "Yes"):
        voice.event({"intent": answer, "partner": "Alex"})
    wait_for(lambda: current_step(live_server) == "appreciation.1", what="appreciation.1")


def test_answers_from_voice_and_page_at_once_are_all_kept(live_server, both):
    voice, web = both
    start_debrief(voice, live_server)
    version_before = rows(live_server.db_path, "SELECT version FROM sessions WHERE status = 'active'")[0][0]
    n = 25
    barrier = threading.Barrier(2)

    def from_voice():
        barrier.wait()
        return [voice.event({"text": f"voice says thanks number {i} aardvark", "partner": "Alex"})[0]
                for i in range(n)]

    def from_web():
        barrier.wait()
        statuses = []
        for i in range(n):
            text = f"page says thanks number {i} aardvark"
            if i % 2:  # app.js: JSON with the CSRF header
                statuses.append(web.send("POST", "/api/v1/events", {"intent": None, "slots": {}, "partner": "Alex",
                                                                    "source": "web", "text": text})[0])
            else:  # no JavaScript: the routine page's form
                status = web.form("/routine/event", {"text": text, "partner": "Alex"})
                statuses.append(200 if status == 303 else status)
        return statuses

    with ThreadPoolExecutor(2) as pool:
        voice_statuses, web_statuses = pool.submit(from_voice), pool.submit(from_web)
        assert set(voice_statuses.result()) == {200} and set(web_statuses.result()) == {200}
    values = [r[0] for r in rows(live_server.db_path,
                                 "SELECT value FROM entries WHERE value LIKE '% aardvark' ORDER BY id")]
    assert sorted(values) == sorted([f"voice says thanks number {i} aardvark" for i in range(n)]
                                    + [f"page says thanks number {i} aardvark" for i in range(n)])
    # Each side's answers kept their own order; the session's version moved once per event.
    assert [v for v in values if v.startswith("voice")] == [f"voice says thanks number {i} aardvark" for i in range(n)]
    version_after = rows(live_server.db_path, "SELECT version FROM sessions WHERE status = 'active'")[0][0]
    assert version_after >= version_before + 2 * n


def test_same_step_answered_by_both_exactly_one_wins(live_server, both):
    voice, web = both
    for round_ in range(8):
        status, reply = voice.event({"intent": "StartDebrief", "partner": "Alex", "time_scale": 0.05})
        assert status == 200 and current_step(live_server) == "ready.1"
        barrier = threading.Barrier(2)

        def answer(side, intent):
            barrier.wait()
            body = {"intent": intent, "slots": {}, "partner": "Alex", "step": "ready.1"}
            if side is voice:
                return voice.event(body)
            return web.send("POST", "/api/v1/events", {**body, "text": None, "source": "web"})

        with ThreadPoolExecutor(2) as pool:
            results = [pool.submit(answer, voice, "Yes"), pool.submit(answer, web, "Yes")]
            statuses = sorted(r.result()[0] for r in results)
        assert statuses == [200, 409], f"round {round_}: {statuses}"
        loser = next(r.result()[1] for r in results if r.result()[0] == 409)
        assert loser["error"]["code"] in ("step_conflict", "version_conflict")
        assert "step" in loser["error"]["message"] or "version" in loser["error"]["message"]
        # One "yes" moved the debrief one step, not two.
        assert current_step(live_server) == "ready.2"
        assert voice.event({"intent": "Stop", "partner": "Alex"})[0] == 200
        wait_for(lambda: current_step(live_server) is None, what="stopped")


def test_routine_version_mismatch_is_a_409(live_server, both):
    voice, web = both
    _, reply = voice.event({"intent": "StartDebrief", "partner": "Alex"})
    version = reply["routine"]["version"]
    assert voice.event({"intent": "Yes", "partner": "Alex", "version": version})[0] == 200
    status, body = web.send("POST", "/api/v1/events", {"intent": "Yes", "partner": "Sam", "version": version})
    assert status == 409 and body["error"]["code"] == "version_conflict"
    assert current_step(live_server) == "ready.2"


@pytest.mark.parametrize("resource", ["commitments", "entries", "sessions"])
def test_conflicting_edits_with_if_match_one_wins_other_gets_409(live_server, both, resource):
    voice, web = both
    if resource == "commitments":
        status, made = web.send("POST", "/api/v1/commitments", {"partner": "Sam", "what": "walk after dinner"})
        edits = ({"status": "kept"}, {"status": "missed"})
        field = "status"
    elif resource == "entries":
        status, made = web.send("POST", "/api/v1/entries", {"partner": "Sam", "kind": "note", "value": "draft"})
        edits = ({"value": "from the voice"}, {"value": "from the page"})
        field = "value"
    else:
        status, made = web.send("POST", "/api/v1/sessions", {"routine": "repair", "status": "completed"})
        edits = ({"status": "stopped"}, {"status": "abandoned"})
        field = "status"
    assert status == 201
    path = f"/api/v1/{resource}/{made['id']}"
    for round_ in range(6):
        current = web.send("GET", path)[1]
        version = current["version"]
        barrier = threading.Barrier(2)

        def edit(side, body):
            barrier.wait()
            return side.send("PATCH", path, body, {"If-Match": f'"{version}"'})

        with ThreadPoolExecutor(2) as pool:
            futures = [pool.submit(edit, voice, edits[0]), pool.submit(edit, web, edits[1])]
            results = [f.result() for f in futures]
        statuses = sorted(s for s, _ in results)
        assert statuses == [200, 409], f"round {round_}: {statuses}"
        winner = next(body for s, body in results if s == 200)
        loser = next(body for s, body in results if s == 409)
        assert loser["error"]["code"] == "version_conflict" and loser["error"]["field"] == "version"
        after = web.send("GET", path)[1]
        assert after["version"] == version + 1 and after[field] == winner[field]
        edits = edits[::-1]


def test_edits_without_a_version_are_serialised_not_lost(live_server, both):
    voice, web = both
    _, made = web.send("POST", "/api/v1/entries", {"partner": "Alex", "kind": "note", "value": "v0"})
    path = f"/api/v1/entries/{made['id']}"
    n = 20

    def edits(side, name):
        return [side.send("PATCH", path, {"value": f"{name} {i}"})[0] for i in range(n)]

    with ThreadPoolExecutor(2) as pool:
        a, b = pool.submit(edits, voice, "voice"), pool.submit(edits, web, "page")
        assert set(a.result()) == {200} and set(b.result()) == {200}
    after = web.send("GET", path)[1]
    assert after["version"] == 1 + 2 * n          # every edit counted, none overwritten unseen
    assert after["value"] in (f"voice {n - 1}", f"page {n - 1}")


def test_the_same_idempotency_key_sent_many_times_at_once_writes_once(live_server, both):
    """A journal replay can race the original request (a client timeout while the server still works)."""
    voice, web = both
    body = {"partner": "Sam", "kind": "request", "value": "same key raced ten times"}
    barrier = threading.Barrier(10)

    def send(_):
        barrier.wait()
        return voice.send("POST", "/api/v1/entries", body, {"Idempotency-Key": "raced-key-1"})

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(send, range(10)))
    assert {status for status, _ in results} == {200}  # voice.send maps any 2xx to 200
    assert len({json.dumps(reply, sort_keys=True) for _, reply in results}) == 1, "every answer is the first one"
    assert rows(live_server.db_path, "SELECT COUNT(*) FROM entries WHERE value = ?", body["value"])[0][0] == 1
    # The same key on a different body is refused, not silently answered.
    status, reply = voice.send("POST", "/api/v1/entries", {**body, "value": "something else"},
                               {"Idempotency-Key": "raced-key-1"})
    assert status == 409 and reply["error"]["code"] == "idempotency_key_reused"
