"""Bad input gets a clear JSON error naming the field: never a 500, never a partial write."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.api.validation import Bool, Day, Id, Int, Json, List, Num, Obj, PartnerRef, Str, Timestamp, validate
from server.errors import ApiError

API = "/api/v1"


def row_counts(app) -> dict[str, int]:
    conn = app.extensions["attune.db"].read()
    tables = ("sessions", "entries", "commitments", "custom_phrases", "phrase_uses", "favourites",
              "weekly_reviews", "ritual_log", "idempotency")
    return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}


def error(response) -> dict:
    assert response.is_json, response.data[:200]
    return response.get_json()["error"]


# (method, path, body or raw bytes, content type, status, field)
BAD_REQUESTS = [
    ("POST", "/entries", {"partner": "Alex", "kind": "feeling"}, None, 400, "value"),
    ("POST", "/entries", {"partner": "Alex", "kind": "mood", "value": "x"}, None, 400, "kind"),
    ("POST", "/entries", {"partner": "Alex", "kind": "note", "value": "x", "colour": "red"}, None, 400, "colour"),
    ("POST", "/entries", {"partner": "Alex", "kind": "note", "value": "x" * 2001}, None, 400, "value"),
    ("POST", "/entries", {"partner": "Alex", "kind": "note", "value": "   "}, None, 400, "value"),
    ("POST", "/entries", {"partner": "Alex", "kind": "note", "value": "a\x00b"}, None, 400, "value"),
    ("POST", "/entries", {"partner": "Alex", "kind": "note", "value": "x", "private": "yes"}, None, 400, "private"),
    ("POST", "/entries", {"partner": True, "kind": "note", "value": "x"}, None, 400, "partner"),
    ("POST", "/entries", {"partner": "Alex", "kind": "note", "value": "x", "session_id": 2**63}, None, 400,
     "session_id"),
    ("POST", "/entries", b'{"partner": "Alex", "kind": "note", "value": "\\ud800"}', "application/json", 400,
     "value"),
    ("POST", "/entries", b"[1, 2]", "application/json", 400, "body"),
    ("POST", "/entries", b'{"partner": ', "application/json", 400, "body"),
    ("POST", "/entries", b"\xff\xfe{}", "application/json", 400, "body"),
    ("POST", "/entries", b'{"value": NaN}', "application/json", 400, "body"),
    ("POST", "/entries", b"[" * 5000 + b"]" * 5000, "application/json", 400, "body"),
    ("POST", "/entries", b'{"a": 1' + b"0" * 5000 + b"}", "application/json", 400, "body"),
    ("POST", "/entries", b"<entry/>", "application/xml", 415, "Content-Type"),
    ("POST", "/entries", b"", None, 415, "Content-Type"),
    ("POST", "/commitments", {"partner": "Sam", "what": "x", "due_at": "next tuesday"}, None, 400, "due_at"),
    ("POST", "/commitments", {"partner": "Sam", "what": "x", "due_at": "2026-13-01"}, None, 400, "due_at"),
    ("POST", "/weekly-reviews", {"week_start": "2026-11-23", "figures": [1, 2]}, None, 400, "figures"),
    ("POST", "/weekly-reviews", {"week_start": "2026-11-23", "figures": {"x": "y" * 20000}}, None, 400,
     "figures"),
    ("POST", "/phrases/custom", {"category": "nonsense", "text": "x"}, None, 400, "category"),
    ("POST", "/phrases/uses", {"phrase_id": "../etc/passwd"}, None, 400, "phrase_id"),
    ("POST", "/ritual-log", {"ritual": "walk\nand talk"}, None, 400, "ritual"),
    ("PATCH", "/settings", {}, None, 400, "body"),
    ("PATCH", "/settings", {"voice_rate": 1000}, None, 400, "voice_rate"),
    ("PATCH", "/settings", {"voice_volume": "loud"}, None, 400, "voice_volume"),
    ("PATCH", "/settings", {"partners": ["Alex"]}, None, 400, "partners"),
    ("PATCH", "/settings", {"partners": ["Alex", "alex"]}, None, 400, "partners"),
    ("PATCH", "/settings", {"locale": "english please"}, None, 400, "locale"),
    ("PATCH", "/settings", {"port": 80}, None, 400, "port"),
    ("PATCH", "/settings", {"rituals": ["walk"] * 101}, None, 400, "rituals"),
    ("GET", "/sessions?limit=0", None, None, 400, "limit"),
    ("GET", "/sessions?limit=99999999999999999999999", None, None, 400, "limit"),
    ("GET", "/sessions?routine=nap", None, None, 400, "routine"),
    ("GET", "/sessions?since=yesterday", None, None, 400, "since"),
    ("GET", "/sessions?colour=red", None, None, 400, "colour"),
    ("GET", "/sessions?limit=1&limit=2", None, None, 400, "limit"),
    ("GET", "/sessions?partner=Robin", None, None, 400, "partner"),
    ("GET", "/entries?as=Robin", None, None, 400, "as"),
    ("GET", "/sessions/99", None, None, 404, "id"),
    ("GET", "/sessions/99999999999999999999", None, None, 404, None),
    ("GET", "/sessions/abc", None, None, 404, None),
    ("GET", "/nowhere", None, None, 404, None),
    ("PUT", "/sessions", {"routine": "debrief"}, None, 405, None),
    ("DELETE", "/settings", None, None, 405, None),
]


@pytest.mark.parametrize("method,path,body,ctype,status,field", BAD_REQUESTS,
                         ids=[f"{m} {p} {s} {f}" for m, p, _, _, s, f in BAD_REQUESTS])
def test_bad_request_is_a_clear_error_and_writes_nothing(app, client, method, path, body, ctype, status, field):
    before = row_counts(app)
    if isinstance(body, (bytes, type(None))) and ctype is not None:
        response = client.open(f"{API}{path}", method=method, data=body, content_type=ctype)
    elif body is None or isinstance(body, bytes):
        response = client.open(f"{API}{path}", method=method)
    else:
        response = client.open(f"{API}{path}", method=method, json=body)
    err = error(response)
    assert response.status_code == status == err["status"]
    assert err["message"] and err["code"]
    if field is not None:
        assert err["field"] == field
    assert row_counts(app) == before


def test_oversized_body_is_413(client):
    response = client.post(f"{API}/entries", data=json.dumps({"value": "x" * 70_000}),
                           content_type="application/json")
    assert response.status_code == 413 and "limit" in error(response)["message"]


def test_method_not_allowed_names_the_allowed_methods(client):
    response = client.put(f"{API}/sessions", json={})
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_a_failure_inside_a_write_rolls_back_everything(app, client, monkeypatch):
    store = app.extensions["attune.store"]

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "get_entry", broken)  # fails after the INSERT, inside the transaction
    before = row_counts(app)
    response = client.post(f"{API}/entries", json={"partner": "Alex", "kind": "note", "value": "x"})
    assert response.status_code == 500 and error(response)["message"] == "internal error"
    assert "disk" not in response.get_data(as_text=True)
    assert row_counts(app) == before


@pytest.mark.parametrize("spec,value,expected", [
    (Str(), "  hi  ", "hi"),
    (Str(choices=("a", "b")), "b", "b"),
    (Int(minimum=1, maximum=3), 2.0, 2),
    (Id(), 7, 7),
    (Num(minimum=0, maximum=1), 0.5, 0.5),
    (Bool(), False, False),
    (Timestamp(), "2026-11-26T22:30:00+01:00", "2026-11-26T21:30:00Z"),
    (Timestamp(), "2026-11-26t21:30z", "2026-11-26T21:30:00Z"),
    (Timestamp(), "2026-11-26", "2026-11-26T00:00:00Z"),
    (Timestamp(end_of_day=True), "2026-11-26", "2026-11-27T00:00:00Z"),
    (Day(), "2026-11-23", "2026-11-23"),
    (List(Str(), max_items=2), ["a", "b"], ["a", "b"]),
    (Obj({"a": Int()}), {"a": 1}, {"a": 1}),
    (Json(), {"nested": {"ok": [1, 2]}}, {"nested": {"ok": [1, 2]}}),
    (PartnerRef(), 2.0, 2),
    (PartnerRef(), " Sam ", "Sam"),
    (Str(nullable=True), None, None),
])
def test_specs_accept_and_convert(spec, value, expected):
    assert spec.check(value, "f") == expected


@pytest.mark.parametrize("spec,value,field", [
    (Str(), 3, "f"),
    (Str(max_len=3), "abcd", "f"),
    (Str(multiline=False), "a\nb", "f"),
    (Int(), True, "f"),
    (Int(maximum=5), 6, "f"),
    (Int(), 1.5, "f"),
    (Num(), float("nan"), "f"),
    (Num(), "1", "f"),
    (Bool(), 1, "f"),
    (Timestamp(), "2026-11-26T25:00:00Z", "f"),
    (Day(), "2026-11-26T00:00:00Z", "f"),
    (List(Int(), max_items=1), [1, 2], "f"),
    (List(Int()), [1, "x"], "f[1]"),
    (Obj({"a": Int(required=True)}), {}, "f.a"),
    (Obj({"a": Int()}), {"b": 1}, "f.b"),
    (Json(max_bytes=10), {"a": "01234567890"}, "f"),
    (Str(), None, "f"),
])
def test_specs_reject_naming_the_field(spec, value, field):
    with pytest.raises(ApiError) as err:
        spec.check(value, "f")
    assert err.value.status == 400 and err.value.field == field


def test_validate_fills_defaults_and_rejects_unknown_fields():
    fields = {"a": Int(default=3), "b": Str(required=True)}
    assert validate({"b": "x"}, fields) == {"a": 3, "b": "x"}
    assert validate({}, fields, partial=True) == {}
    with pytest.raises(ApiError) as err:
        validate({"b": "x", "c": 1}, fields)
    assert err.value.field == "c" and err.value.code == "unknown_field"


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
ENTRY_LIKE = st.fixed_dictionaries(
    {}, optional={"partner": JSON_VALUES | st.sampled_from(["Alex", "Sam", 1, 2]),
                  "kind": JSON_VALUES | st.sampled_from(["note", "feeling"]),
                  "value": JSON_VALUES, "session_id": JSON_VALUES, "private": JSON_VALUES,
                  "step": JSON_VALUES, "extra": JSON_VALUES})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture],
          derandomize=True)
@given(body=ENTRY_LIKE | JSON_VALUES)
def test_random_bodies_get_201_or_a_clear_4xx_and_only_201_writes(app, client, body):
    before = row_counts(app)["entries"]
    response = client.post(f"{API}/entries", json=body)
    after = row_counts(app)["entries"]
    if response.status_code == 201:
        assert after == before + 1
    else:
        assert 400 <= response.status_code < 500 and response.get_json()["error"]["message"]
        assert after == before
