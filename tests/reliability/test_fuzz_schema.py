"""Schema-driven fuzzing of the whole API (schemathesis against /api/v1/openapi.json).

Every documented operation gets generated requests, valid and invalid. Whatever comes
in: no 5xx, and a request that is refused (4xx) changes nothing in the database.
Requests go through the WSGI app in-process, so the security guards run too.
"""

from __future__ import annotations

import re
import tempfile
import uuid
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, settings

from .helpers import changed_tables, make_app, snapshot

MAX_EXAMPLES = 25

_DIR = Path(tempfile.mkdtemp(prefix="attune-fuzz-schema-"))
DB_PATH = _DIR / "attune.sqlite3"
APP = make_app(DB_PATH)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)
CASES_RUN: dict[str, int] = {}
STATUSES: dict[int, int] = {}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_error_and_no_partial_write(case):
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and re.fullmatch(r"[\x21-\x7e]{1,200}", key):
        # Generated keys collide ("0", "a"...) and would turn most writes into 409 replays.
        case.headers["Idempotency-Key"] = uuid.uuid4().hex
    before = snapshot(DB_PATH)
    response = case.call()
    label = case.operation.label
    CASES_RUN[label] = CASES_RUN.get(label, 0) + 1
    STATUSES[response.status_code] = STATUSES.get(response.status_code, 0) + 1
    assert response.status_code < 500, f"{label} -> {response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        assert changed_tables(before, snapshot(DB_PATH)) == [], f"{label} refused but wrote"
        if response.status_code != 405:
            body = response.json()
            assert body["error"]["status"] == response.status_code and body["error"]["message"]


def test_every_operation_was_fuzzed():
    """Runs after the fuzz test above (same module, file order); prints the figures for the bench notes."""
    operations = list(schema.get_all_operations())
    assert len(CASES_RUN) >= len(operations) - 1, sorted(CASES_RUN)
    total = sum(CASES_RUN.values())
    print(f"\nschemathesis: {total} requests over {len(CASES_RUN)} operations; statuses {sorted(STATUSES.items())}")
    assert any(400 <= s < 500 for s in STATUSES) and any(200 <= s < 300 for s in STATUSES)
