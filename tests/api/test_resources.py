"""Round trips for every resource of the JSON API on a temporary database."""

from __future__ import annotations

import pytest

API = "/api/v1"


def post(client, path, body, **kw):
    return client.post(f"{API}{path}", json=body, **kw)


@pytest.fixture
def session_id(client):
    return post(client, "/sessions", {"routine": "debrief"}).get_json()["id"]


def test_partners_round_trip(client):
    partners = client.get(f"{API}/partners").get_json()["partners"]
    assert [(p["slot"], p["name"]) for p in partners] == [(1, "Alex"), (2, "Sam")]
    renamed = client.patch(f"{API}/partners/{partners[0]['id']}", json={"name": "Alexandra"})
    assert renamed.status_code == 200 and renamed.get_json()["name"] == "Alexandra"
    assert client.get(f"{API}/partners/{partners[0]['id']}").get_json()["name"] == "Alexandra"
    assert client.get(f"{API}/settings").get_json()["settings"]["partners"]["value"] == ["Alexandra", "Sam"]
    assert client.get(f"{API}/partners/99").status_code == 404


def test_sessions_round_trip(client):
    created = post(client, "/sessions", {"routine": "repair", "state": {"note": "manual"}})
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    session = created.get_json()
    assert session["status"] == "completed" and session["state"] == {"note": "manual"}
    assert session["entries"] == [] and session["commitments"] == []
    fetched = client.get(f"{API}/sessions/{session['id']}").get_json()
    assert fetched["routine"] == "repair"
    listed = client.get(f"{API}/sessions?routine=repair&status=completed&limit=5").get_json()
    assert listed["total"] == 1 and listed["sessions"][0]["id"] == session["id"]
    assert client.get(f"{API}/sessions?routine=debrief").get_json()["total"] == 0
    changed = client.patch(f"{API}/sessions/{session['id']}", json={"status": "stopped"},
                           headers={"If-Match": '"1"'})
    assert changed.status_code == 200 and changed.get_json()["version"] == 2
    stale = client.patch(f"{API}/sessions/{session['id']}", json={"status": "abandoned", "version": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["field"] == "version"
    assert client.delete(f"{API}/sessions/{session['id']}").status_code == 204
    assert client.get(f"{API}/sessions/{session['id']}").status_code == 404


def test_session_filters_by_partner_and_dates(client, session_id):
    post(client, "/entries", {"partner": "Sam", "kind": "win", "value": "we laughed", "session_id": session_id})
    assert client.get(f"{API}/sessions?partner=Sam").get_json()["total"] == 1
    assert client.get(f"{API}/sessions?partner=Alex").get_json()["total"] == 0
    assert client.get(f"{API}/sessions?since=2000-01-01&until=2999-01-01").get_json()["total"] == 1
    assert client.get(f"{API}/sessions?until=2000-01-01").get_json()["total"] == 0
    assert client.get(f"{API}/sessions?limit=1&offset=1").get_json()["sessions"] == []


def test_entries_round_trip_and_privacy(client, session_id):
    shared = post(client, "/entries", {"partner": "Alex", "kind": "feeling", "value": "relieved",
                                       "session_id": session_id, "step": "feelings"})
    assert shared.status_code == 201
    secret = post(client, "/entries", {"partner": "Sam", "kind": "need", "value": "more sleep",
                                       "session_id": session_id, "private": True}).get_json()
    assert secret["private"] is True and secret["partner"] == "Sam"
    # Nobody named: the private entry does not exist.
    assert [e["value"] for e in client.get(f"{API}/entries").get_json()["entries"]] == ["relieved"]
    assert client.get(f"{API}/entries/{secret['id']}").status_code == 404
    assert client.get(f"{API}/entries/{secret['id']}?as=Alex").status_code == 404
    assert [e["value"] for e in client.get(f"{API}/sessions/{session_id}").get_json()["entries"]] == ["relieved"]
    # Its owner sees it, by query or header.
    assert client.get(f"{API}/entries/{secret['id']}?as=sam").status_code == 200
    as_sam = client.get(f"{API}/sessions/{session_id}", headers={"X-Attune-Partner": "Sam"}).get_json()
    assert [e["value"] for e in as_sam["entries"]] == ["relieved", "more sleep"]
    assert client.get(f"{API}/entries?as=Sam&kind=need").get_json()["total"] == 1
    assert client.get(f"{API}/entries?as=Nobody").status_code == 400
    assert client.get(f"{API}/sessions").get_json()["sessions"][0]["entry_count"] == 1
    assert client.get(f"{API}/sessions?as=Sam").get_json()["sessions"][0]["entry_count"] == 2
    assert client.get(f"{API}/sessions?partner=Sam").get_json()["total"] == 0
    assert client.get(f"{API}/sessions?partner=Sam&as=Sam").get_json()["total"] == 1
    # Edit with a version, then a stale edit is refused.
    not_owner = client.patch(f"{API}/entries/{shared.get_json()['id']}?as=Sam", json={"private": True})
    assert not_owner.status_code == 403 and not_owner.get_json()["error"]["field"] == "private"
    edited = client.patch(f"{API}/entries/{secret['id']}?as=Sam", json={"value": "a quiet morning", "version": 1})
    assert edited.status_code == 200 and edited.headers["ETag"] == '"2"'
    stale = client.patch(f"{API}/entries/{secret['id']}?as=Sam", json={"value": "x"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 409
    assert client.patch(f"{API}/entries/{secret['id']}", json={"value": "x"}).status_code == 404
    assert client.delete(f"{API}/entries/{secret['id']}").status_code == 404
    assert client.delete(f"{API}/entries/{secret['id']}?as=Sam").status_code == 204
    assert client.get(f"{API}/entries?as=Sam").get_json()["total"] == 1


def test_entry_without_session_and_unknown_partner(client):
    note = post(client, "/entries", {"partner": 2, "kind": "note", "value": "remember the tickets"})
    assert note.status_code == 201 and note.get_json()["session_id"] is None
    unknown = post(client, "/entries", {"partner": "Robin", "kind": "note", "value": "x"})
    assert unknown.status_code == 400 and unknown.get_json()["error"]["field"] == "partner"
    orphan = post(client, "/entries", {"partner": "Alex", "kind": "note", "value": "x", "session_id": 42})
    assert orphan.status_code == 400 and orphan.get_json()["error"]["field"] == "session_id"


def test_commitments_round_trip(client, session_id):
    made = post(client, "/commitments", {"partner": "Sam", "what": "Phones away at dinner",
                                         "due_at": "2026-12-01T19:00:00+01:00", "session_id": session_id})
    assert made.status_code == 201
    promise = made.get_json()
    assert promise["due_at"] == "2026-12-01T18:00:00Z" and promise["status"] == "open"
    assert client.get(f"{API}/commitments?status=open&partner=Sam").get_json()["commitments"][0]["id"] == promise["id"]
    assert client.get(f"{API}/sessions/{session_id}").get_json()["commitments"][0]["what"] == "Phones away at dinner"
    partly = client.patch(f"{API}/commitments/{promise['id']}", json={"status": "partly", "version": 1})
    assert partly.status_code == 200 and partly.get_json()["reviewed_at"] is not None
    assert client.get(f"{API}/commitments?status=open").get_json()["commitments"] == []
    assert client.patch(f"{API}/commitments/{promise['id']}", json={"status": "kept", "version": 1}).status_code == 409
    moved = client.patch(f"{API}/commitments/{promise['id']}", json={"due_at": None, "what": "Phones in the drawer"})
    assert moved.get_json()["due_at"] is None and moved.get_json()["status"] == "partly"
    assert client.get(f"{API}/commitments/{promise['id']}").get_json()["version"] == 3
    assert client.delete(f"{API}/commitments/{promise['id']}").status_code == 204
    assert client.get(f"{API}/commitments/{promise['id']}").status_code == 404


def test_phrases_custom_uses_and_favourites(client):
    calm = client.get(f"{API}/phrases?category=calm").get_json()["phrases"]
    assert calm and all(p["category"] == "calm" and not p["custom"] for p in calm)
    first = calm[0]["id"]
    custom = post(client, "/phrases/custom", {"category": "calm", "text": "Hand on heart, slow breath."})
    assert custom.status_code == 201
    custom = custom.get_json()
    assert custom["id"] == f"custom.{custom['number']}"
    assert [p["id"] for p in client.get(f"{API}/phrases?custom=true").get_json()["phrases"]] == [custom["id"]]
    use = post(client, "/phrases/uses", {"phrase_id": first, "partner": "Alex"})
    assert use.status_code == 201 and use.get_json()["category"] == "calm"
    assert client.get(f"{API}/phrases/uses?phrase_id={first}").get_json()["uses"][0]["partner"] == "Alex"
    used = {p["id"]: p["last_used_at"] for p in client.get(f"{API}/phrases?category=calm").get_json()["phrases"]}
    assert used[first] is not None and used[custom["id"]] is None
    assert post(client, "/phrases/uses", {"phrase_id": "calm.9999"}).status_code == 400
    fav = post(client, "/favourites", {"phrase_id": custom["id"], "partner": "Sam"})
    assert fav.status_code == 201 and fav.get_json()["text"] == "Hand on heart, slow breath."
    again = post(client, "/favourites", {"phrase_id": custom["id"], "partner": "Sam"})
    assert again.get_json()["id"] == fav.get_json()["id"]
    assert len(client.get(f"{API}/favourites?partner=Sam").get_json()["favourites"]) == 1
    assert client.get(f"{API}/favourites?partner=Alex").get_json()["favourites"] == []
    assert client.delete(f"{API}/phrases/custom/{custom['number']}").status_code == 204
    assert client.get(f"{API}/favourites").get_json()["favourites"] == []
    assert client.delete(f"{API}/phrases/custom/{custom['number']}").status_code == 404
    fav = post(client, "/favourites", {"phrase_id": first}).get_json()
    assert client.delete(f"{API}/favourites/{fav['id']}").status_code == 204
    assert client.delete(f"{API}/favourites/{fav['id']}").status_code == 404


def test_weekly_reviews_round_trip(client, session_id):
    made = post(client, "/weekly-reviews", {"week_start": "2026-11-23", "figures": {"debriefs": 4},
                                            "worked": "walks", "didnt_work": None, "adjust": "earlier nights",
                                            "session_id": session_id})
    assert made.status_code == 201
    review = made.get_json()
    assert client.get(f"{API}/weekly-reviews/{review['id']}").get_json() == review
    assert client.get(f"{API}/weekly-reviews").get_json()["weekly_reviews"] == [review]
    assert client.get(f"{API}/weekly-reviews/99").status_code == 404
    bad = post(client, "/weekly-reviews", {"week_start": "2026-02-30"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "week_start"


def test_ritual_log_round_trip(client):
    made = post(client, "/ritual-log", {"ritual": "evening walk", "partner": "Sam", "note": "by the river"})
    assert made.status_code == 201 and made.get_json()["partner"] == "Sam"
    post(client, "/ritual-log", {"ritual": "six-second kiss"})
    assert [r["ritual"] for r in client.get(f"{API}/ritual-log").get_json()["rituals"]] == ["evening walk",
                                                                                         "six-second kiss"]
    assert len(client.get(f"{API}/ritual-log?ritual=evening%20walk").get_json()["rituals"]) == 1
    assert client.get(f"{API}/ritual-log?until=2000-01-01").get_json()["rituals"] == []


def test_idempotency_key_replays_without_a_second_write(client):
    headers = {"Idempotency-Key": "walk-2026-11-26"}
    first = post(client, "/ritual-log", {"ritual": "walk"}, headers=headers)
    again = post(client, "/ritual-log", {"ritual": "walk"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(client.get(f"{API}/ritual-log").get_json()["rituals"]) == 1
    reused = post(client, "/ritual-log", {"ritual": "run"}, headers=headers)
    assert reused.status_code == 409 and reused.get_json()["error"]["field"] == "Idempotency-Key"
    bad = post(client, "/ritual-log", {"ritual": "run"}, headers={"Idempotency-Key": "has space"})
    assert bad.status_code == 400


def test_failed_request_with_key_is_not_remembered(client):
    headers = {"Idempotency-Key": "k1"}
    assert post(client, "/entries", {"partner": "Nobody", "kind": "note", "value": "x"}, headers=headers).status_code == 400
    assert client.application.extensions["attune.db"].read().execute("SELECT COUNT(*) FROM idempotency").fetchone()[0] == 0


def test_health_and_openapi_served(client):
    assert client.get(f"{API}/health").get_json()["status"] == "ok"
    doc = client.get(f"{API}/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and "/sessions/{session_id}" in doc["paths"]
