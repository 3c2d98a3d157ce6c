"""Shared fixtures: settings, an app on a temporary database, a test client, and a real server.

`live_server` starts `attune serve` (the console entry, under waitress) as a
subprocess on a free loopback port with a temporary database. It is the base
URL as a string, and also offers `.db_path`, `.port`, `.stop()` (SIGTERM, returns
the exit code), `.start()` and `.restart()` (same port, same database).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from server import create_app
from attune.settings import Settings

REPO = Path(__file__).resolve().parent.parent

# Reminders, quiet hours and day boundaries are local time, so the suite runs in one zone wherever it
# runs (FakeClock's 08:00 UTC is 21:00, debrief-reminder time, at UTC-11); live servers inherit it.
os.environ["TZ"] = "UTC"
time.tzset()


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "attune.sqlite3", partners=("Alex", "Sam"))


@pytest.fixture
def app(settings):
    app = create_app({"ATTUNE_SETTINGS": settings, "TESTING": True})
    yield app
    app.extensions["attune.db"].close()


@pytest.fixture
def client(app):
    return app.test_client()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_json(method: str, url: str, body=None, headers=None, timeout: float = 10.0):
    """(status, parsed JSON or None) for one request; HTTP errors are returned, not raised."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, (json.loads(raw) if raw else None)
    except urllib.error.HTTPError as err:
        raw = err.read()
        return err.code, (json.loads(raw) if raw else None)


class LiveServer(str):
    """The base URL of a running `attune serve` subprocess, with controls."""

    def __new__(cls, url: str, *args):
        return super().__new__(cls, url)

    def __init__(self, url: str, db_path: Path, port: int, env: dict[str, str], log_path: Path):
        self.db_path, self.port, self.env, self.log_path = db_path, port, env, log_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return str(self)

    def command(self) -> list[str]:
        return [sys.executable, "-m", "attune", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--db", str(self.db_path)]

    def start(self, timeout: float = 30.0) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(self.command(), env=self.env, cwd=REPO, stdout=log,
                                        stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"attune serve exited with {self.process.returncode}:\n"
                                   f"{self.log_path.read_text(errors='replace')}")
            try:
                status, _ = http_json("GET", f"{self}/api/v1/health", timeout=2.0)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"attune serve did not answer within {timeout} s")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        """Stop the server with `sig`; returns its exit code (None if it was not running)."""
        if self.process is None:
            return None
        process, self.process = self.process, None
        if process.poll() is None:
            process.send_signal(sig)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        return process.returncode

    def restart(self) -> None:
        self.stop()
        self.start()


@pytest.fixture(name="http_json")
def http_json_fixture():
    """`http_json(method, url, body=None, headers=None)` -> (status, JSON) against a live server."""
    return http_json


SCHEDULE_OFF = {"debrief_time": None, "review_day": None, "quiet_start": None, "quiet_end": None}
"""A schedule with no reminders."""


@pytest.fixture
def live_server(tmp_path_factory):
    """A real `attune serve` on a free loopback port and a temporary database (partners Alex, Sam), no
    reminders scheduled."""
    base = tmp_path_factory.mktemp("live")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env.update(ATTUNE_CONFIG=str(base / "no-config.toml"), ATTUNE_PARTNERS="Alex,Sam",
               PYTHONUNBUFFERED="1", XDG_DATA_HOME=str(base / "data"), XDG_CONFIG_HOME=str(base / "config"))
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", base / "attune.sqlite3", port, env, base / "serve.log")
    server.start()
    # The default schedule (debrief at 21:00) would put a real reminder in front of any test run in
    # the evening; tests that want one set the schedule themselves.
    status, _ = http_json("PUT", f"{server}/api/v1/schedule", SCHEDULE_OFF)
    assert status == 200
    yield server
    server.stop()


LAN_HOST = "127.0.0.2"
"""The loopback address that stands in for the home network in tests (not 127.0.0.1)."""


@pytest.fixture
def lan_server(request, tmp_path_factory):
    """`attune serve --lan` on free ports: `.url` (loopback, HTTP, the main machine), `.lan_url` (HTTPS on
    127.0.0.2, standing in for the home network). Pairing links last 300 s, or the seconds given by
    indirect parametrization (`.pairing_ttl_s`)."""
    ttl = int(getattr(request, "param", 300))
    base = tmp_path_factory.mktemp("lan")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    lan_port = free_port()
    env.update(ATTUNE_CONFIG=str(base / "no-config.toml"), ATTUNE_PARTNERS="Alex,Sam", PYTHONUNBUFFERED="1",
               XDG_DATA_HOME=str(base / "data"), XDG_CONFIG_HOME=str(base / "config"), ATTUNE_LAN="true",
               ATTUNE_LAN_HOST=LAN_HOST, ATTUNE_LAN_PORT=str(lan_port), ATTUNE_PAIRING_TTL_S=str(ttl))
    port = free_port()
    server = LiveServer(f"http://127.0.0.1:{port}", base / "attune.sqlite3", port, env, base / "serve.log")
    server.lan_url, server.pairing_ttl_s = f"https://{LAN_HOST}:{lan_port}", ttl
    server.start()
    status, _ = http_json("PUT", f"{server}/api/v1/schedule", SCHEDULE_OFF)
    assert status == 200
    yield server
    server.stop()


class FakeClock:
    """An injected wall clock (seconds) that tests move by hand: `clock.now += 30`."""

    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
