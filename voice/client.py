"""HTTP client of the state service (stdlib urllib), with a journal so no event is lost or doubled.

Every event is first appended to a local journal (JSON lines) with an idempotency key,
then sent. If the server cannot be reached the event stays in the journal and is
replayed, in order and with the same key, before the next request; the server answers
a replayed key with its first response, so nothing is applied twice.
"""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import Any, Callable

RETRY_STATUSES = frozenset({502, 503, 504})


class ServerUnavailable(Exception):
    """The state service could not be reached (events stay in the journal)."""


class ClientError(Exception):
    """The server answered with an error (4xx/5xx); `status` and the error `body`."""

    def __init__(self, status: int, body: Any):
        error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
        super().__init__(error.get("message") or f"HTTP {status}")
        self.status = status
        self.body = body
        self.code = error.get("code")


class Journal:
    """Append-only JSON lines: {"op": "event", "key", "body"} and {"op": "ack", "key"}.

    Compacted (emptied) once everything in it was delivered. Mode 0600: it may hold words.
    """

    def __init__(self, path: Path | str | None):
        self.path = Path(path) if path else None
        self._lock = threading.Lock()
        self._memory: list[dict] = []

    def _lines(self) -> list[dict]:
        if self.path is None:
            return list(self._memory)
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return []
        lines = []
        for raw in text.splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                continue  # a torn last line after a crash: that event was never sent
        return lines

    def _append(self, record: dict) -> None:
        if self.path is None:
            self._memory.append(record)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
        torn = os.fstat(fd).st_size > 0 and os.pread(fd, 1, os.fstat(fd).st_size - 1) != b"\n"
        with os.fdopen(fd, "a", encoding="utf-8") as fh:
            # A crash mid-write leaves a torn last line: start on a fresh line after it.
            fh.write(("\n" if torn else "") + json.dumps(record, separators=(",", ":")) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def add(self, body: dict) -> str:
        key = f"attune-{uuid.uuid4().hex}"
        with self._lock:
            self._append({"op": "event", "key": key, "body": body})
        return key

    def ack(self, key: str) -> None:
        with self._lock:
            self._append({"op": "ack", "key": key})
            if not self._pending_locked():
                self._compact()

    def _pending_locked(self) -> list[tuple[str, dict]]:
        done = {r["key"] for r in self._lines() if r.get("op") == "ack"}
        return [(r["key"], r["body"]) for r in self._lines() if r.get("op") == "event" and r["key"] not in done]

    def pending(self) -> list[tuple[str, dict]]:
        """Events not yet delivered, oldest first."""
        with self._lock:
            return self._pending_locked()

    def _compact(self) -> None:
        if self.path is None:
            self._memory.clear()
        elif self.path.exists():
            with open(self.path, "w", encoding="utf-8"):
                pass


class Client:
    """The routine API: post events (journalled), start a routine, read the step and utterances."""

    def __init__(self, base_url: str, journal: Journal | Path | str | None = None, *, token: str | None = None,
                 timeout: float = 5.0, opener: Callable[..., Any] = urllib.request.urlopen):
        self.base_url = base_url.rstrip("/")
        self.journal = journal if isinstance(journal, Journal) else Journal(journal)
        self.token = token
        self.timeout = timeout
        self._open = opener

    # -- transport -----------------------------------------------------------------------
    def _request(self, method: str, path: str, body: Any = None, headers: dict | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(f"{self.base_url}/api/v1{path}", data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with self._open(request, timeout=self.timeout) as response:
                raw = response.read()
                return json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            if err.code in RETRY_STATUSES:
                raise ServerUnavailable(f"HTTP {err.code}") from None
            try:
                parsed = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                parsed = None
            raise ClientError(err.code, parsed) from None
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as err:
            raise ServerUnavailable(str(getattr(err, "reason", err))) from None

    # -- events --------------------------------------------------------------------------
    def post_event(self, event: dict) -> dict | None:
        """Journal and send one event; earlier unsent events go first.

        Returns the server's reply, or None if the server is unreachable (the event is kept
        and sent later). Raises ClientError if the server refused this event.
        """
        key = self.journal.add(event)
        replies = self.replay(fresh=key)
        if key not in replies:
            return None
        reply = replies[key]
        if isinstance(reply, ClientError):
            raise reply
        return reply

    def replay(self, fresh: str | None = None) -> dict[str, Any]:
        """Send every journalled event in order; {key: reply or ClientError} for those delivered.

        Stops at the first one the server cannot take now (unreachable), keeping it and
        the rest for later.
        """
        delivered: dict[str, Any] = {}
        for key, body in self.journal.pending():
            if key != fresh and "step" in body:
                # Said while the server was away: the routine has moved on since, and an answer
                # must never be lost, so it goes to the current step rather than a 409.
                body = {k: v for k, v in body.items() if k != "step"}
            try:
                delivered[key] = self._request("POST", "/events", body, {"Idempotency-Key": key})
            except ServerUnavailable:
                break
            except ClientError as err:
                delivered[key] = err  # refused (e.g. 409 stale step): delivered, not retried
            self.journal.ack(key)
        return delivered

    def pending(self) -> int:
        return len(self.journal.pending())

    # -- reads ---------------------------------------------------------------------------
    def start_routine(self, routine: str, partner: str | None = None, time_scale: float | None = None) -> dict:
        body = {"routine": routine, "partner": partner, "time_scale": time_scale}
        return self._request("POST", "/routines", {k: v for k, v in body.items() if v is not None},
                             {"Idempotency-Key": f"attune-{uuid.uuid4().hex}"})

    def settings(self) -> dict[str, Any]:
        """The service's effective settings, {name: value} (includes edits made on the web page)."""
        body = self._request("GET", "/settings")
        return {name: item.get("value") for name, item in body.get("settings", {}).items()}

    def put_listening(self, state: dict) -> dict:
        """Report the loop's listening state (PUT /listening: idle, addressed, talking, open, off)."""
        return self._request("PUT", "/listening", state)

    def routine(self) -> dict:
        return self._request("GET", "/routine")

    def utterances(self, after: int = 0, limit: int = 200) -> dict:
        query = urllib.parse.urlencode({"after": max(0, int(after)), "limit": limit})
        return self._request("GET", f"/utterances?{query}")

    def latest_seq(self) -> int:
        """The newest utterance's sequence number (where to start listening from)."""
        return int(self.utterances(after=2**62, limit=1)["last_seq"])

    def wait_until_up(self, timeout: float = 10.0, interval: float = 0.2) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._request("GET", "/health")
                return True
            except (ServerUnavailable, ClientError):
                if time.monotonic() >= deadline:
                    return False
                time.sleep(interval)
