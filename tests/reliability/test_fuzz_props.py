"""Property-based fuzzing of the write endpoints (hypothesis), in-process through the WSGI app.

For any body (arbitrary JSON, a valid body with one field replaced by arbitrary JSON,
an unknown field added, or raw bytes): never a 5xx, always the one JSON error shape on
a 4xx, and a refused request writes nothing. Valid bodies with arbitrary text either
round-trip exactly or are refused with a 400 naming the field.
"""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import changed_tables, make_app, snapshot

WRITES = {
    ("POST", "/api/v1/entries"): {"partner": "Alex", "kind": "note", "value": "fine", "private": False},
    ("POST", "/api/v1/commitments"): {"partner": "Sam", "what": "call mum", "due_at": "2026-12-01"},
    ("POST", "/api/v1/ritual-log"): {"ritual": "walk", "partner": "Alex", "note": "by the river"},
    ("POST", "/api/v1/sessions"): {"routine": "debrief", "status": "completed", "state": {}},
    ("POST", "/api/v1/events"): {"intent": "LogRitual", "slots": {"ritual": "walk"}, "text": None,
                                 "partner": "Alex", "source": "cli"},
    ("POST", "/api/v1/phrases/custom"): {"category": "calm", "text": "Let's breathe."},
    ("PATCH", "/api/v1/settings"): {"voice_rate": 170},
    ("PATCH", "/api/v1/partners/1"): {"name": "Alex"},
}
EXAMPLES = 60

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("fuzz-props") / "attune.sqlite3"
    app = make_app(db_path)
    yield app, db_path
    app.extensions["attune.db"].close()


def mutated(draw_data, base: dict):
    """A body derived from `base`: one field replaced, one added, or something else entirely."""
    how = draw_data.draw(st.sampled_from(["replace", "add", "drop", "whole", "bytes"]))
    if how == "replace":
        field = draw_data.draw(st.sampled_from(sorted(base)))
        return json.dumps({**base, field: draw_data.draw(json_values)}).encode()
    if how == "add":
        name = draw_data.draw(st.text(min_size=1, max_size=12))
        return json.dumps({**base, name: draw_data.draw(json_values)}).encode()
    if how == "drop":
        field = draw_data.draw(st.sampled_from(sorted(base)))
        return json.dumps({k: v for k, v in base.items() if k != field}).encode()
    if how == "whole":
        return json.dumps(draw_data.draw(json_values)).encode()
    return draw_data.draw(st.binary(max_size=200))


SENT = {"requests": 0, "refused": 0}


def call(client, method: str, path: str, data: bytes, content_type: str = "application/json"):
    SENT["requests"] += 1
    return client.open(path, method=method, data=data, content_type=content_type,
                       headers={"Idempotency-Key": uuid.uuid4().hex})


def check_refusal(response, before, db_path, label):
    assert response.status_code < 500, f"{label}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        SENT["refused"] += 1
        error = response.get_json()["error"]
        assert error["status"] == response.status_code and error["message"]
        assert changed_tables(before, snapshot(db_path)) == [], f"{label}: refused but wrote"


@pytest.mark.parametrize("method,path", sorted(WRITES))
def test_mutated_bodies_never_500_and_never_write_when_refused(fuzz_app, method, path):
    app, db_path = fuzz_app
    client = app.test_client()

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    @given(st.data())
    def run(data):
        body = mutated(data, WRITES[(method, path)])
        before = snapshot(db_path)
        check_refusal(call(client, method, path, body), before, db_path, f"{method} {path} {body[:120]!r}")

    run()


@settings(max_examples=EXAMPLES * 2, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(value=st.text(max_size=2100), private=st.booleans())
def test_any_text_round_trips_exactly_or_is_refused_naming_the_field(fuzz_app, value, private):
    app, db_path = fuzz_app
    client = app.test_client()
    body = json.dumps({"partner": "Sam", "kind": "answer", "value": value, "private": private}).encode()
    before = snapshot(db_path)
    response = call(client, "POST", "/api/v1/entries", body)
    check_refusal(response, before, db_path, "POST /api/v1/entries")
    if response.status_code == 201:
        entry = response.get_json()
        assert entry["value"] == value.strip()
        again = client.get(f"/api/v1/entries/{entry['id']}?as=Sam").get_json()
        assert again["value"] == value.strip() and again["private"] is private
    else:
        assert response.status_code == 400
        assert response.get_json()["error"]["field"] == "value"


LISTS = ["/api/v1/entries", "/api/v1/sessions", "/api/v1/commitments", "/api/v1/ritual-log",
         "/api/v1/utterances", "/api/v1/phrases", "/api/v1/weekly-reviews", "/api/v1/export"]
query_text = st.text(st.characters(codec="utf-8"), max_size=30)


@settings(max_examples=EXAMPLES * 3, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(LISTS),
       params=st.lists(st.tuples(st.sampled_from(["limit", "offset", "since", "until", "partner", "as", "kind",
                                                 "status", "after", "session_id", "format", "x"]) | query_text,
                                 query_text), max_size=4))
def test_any_query_string_gets_an_answer_not_a_crash(fuzz_app, path, params):
    app, db_path = fuzz_app
    response = app.test_client().get(path, query_string=params)
    assert response.status_code < 500, f"{path} {params}: {response.get_data(as_text=True)[:300]}"
    if response.status_code >= 400:
        assert response.get_json()["error"]["status"] == response.status_code


def test_zz_figures():
    """Last in this module: prints how many generated bodies were sent (for the bench notes)."""
    print(f"\nhypothesis: {SENT['requests']} generated request bodies, {SENT['refused']} refused with a 4xx")
    assert SENT["requests"] >= len(WRITES) * 10
