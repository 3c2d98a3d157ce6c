"""Store methods the routines and web page rely on, on a temporary database."""

from __future__ import annotations

import pytest

from server.db import Database
from server.errors import ApiError
from attune.settings import Settings
from server.store import Store
from tests.conftest import FakeClock


@pytest.fixture
def clock():
    # The dates asserted below are counted from this start (2025-11-24T16:00:00Z).
    return FakeClock(1_764_000_000.0)


@pytest.fixture
def store(tmp_path, clock):
    db = Database(tmp_path / "s.sqlite3")
    db.migrate()
    store = Store(db, Settings(db_path=tmp_path / "s.sqlite3"), clock)
    store.sync_partners(("Alex", "Sam"))
    yield store
    db.close()


def test_partners_by_name_and_slot(store):
    assert [p["name"] for p in store.partners()] == ["Alex", "Sam"]
    assert store.partner_by_name(" sam ")["slot"] == 2
    assert store.partner_by_slot(1)["name"] == "Alex"
    assert store.partner_by_name("Nobody") is None and store.partner_by_slot(3) is None


def test_renaming_a_partner_keeps_their_slot_and_id(store):
    alex = store.partner_by_name("Alex")["id"]
    store.sync_partners(("Alexandra", "Sam"))
    assert store.partner_by_name("Alexandra")["id"] == alex
    store.sync_partners(("Sam", "Alex"))  # slots are identities: slot 1 is now called Sam
    assert [p["name"] for p in store.partners()] == ["Sam", "Alex"]
    assert store.partner_by_name("Sam")["id"] == alex


def test_session_round_trip_and_version_conflict(store, clock):
    session = store.create_session("debrief", {"step": "feelings"})
    assert session["status"] == "active" and session["version"] == 1
    assert session["started_at"] == "2025-11-24T16:00:00Z"
    assert store.active_session()["id"] == session["id"]
    clock.now += 60
    updated = store.update_session(session["id"], {"step": "needs"}, expected_version=1)
    assert updated["state"] == {"step": "needs"} and updated["version"] == 2
    with pytest.raises(ApiError) as err:
        store.update_session(session["id"], {"step": "x"}, expected_version=1)
    assert err.value.status == 409 and err.value.field == "version"
    assert store.get_session(session["id"])["state"] == {"step": "needs"}
    done = store.update_session(session["id"], None, status="completed")
    assert done["ended_at"] == "2025-11-24T16:01:00Z" and done["state"] == {"step": "needs"}
    assert store.active_session() is None
    with pytest.raises(ApiError) as err:
        store.update_session(999, {})
    assert err.value.status == 404


def test_list_sessions_filters(store, clock):
    alex = store.partner_by_name("Alex")["id"]
    first = store.create_session("debrief", {})
    clock.now += 86400
    second = store.create_session("repair", {})
    store.add_entry(second["id"], alex, "feeling", "calm")
    assert [s["id"] for s in store.list_sessions()] == [second["id"], first["id"]]
    assert [s["id"] for s in store.list_sessions(routine="debrief")] == [first["id"]]
    assert [s["id"] for s in store.list_sessions(partner_id=alex)] == [second["id"]]
    assert [s["id"] for s in store.list_sessions(since="2025-11-25T00:00:00Z")] == [second["id"]]
    assert [s["id"] for s in store.list_sessions(until="2025-11-25T00:00:00Z")] == [first["id"]]
    assert store.list_sessions(limit=1, offset=1)[0]["id"] == first["id"]
    assert store.count_sessions(status="active") == 2
    assert store.list_sessions()[0]["entry_count"] == 1


def test_entries_private_only_for_owner(store):
    alex, sam = store.partner_by_name("Alex")["id"], store.partner_by_name("Sam")["id"]
    session = store.create_session("debrief", {})
    shared = store.add_entry(session["id"], alex, "need", "rest", step="needs")
    secret = store.add_entry(session["id"], sam, "feeling", "lonely", private=True)
    assert secret["private"] is True and secret["partner"] == "Sam"
    assert [e["id"] for e in store.session_entries(session["id"])] == [shared["id"]]
    assert [e["id"] for e in store.session_entries(session["id"], viewer_id=sam)] == [shared["id"], secret["id"]]
    assert store.count_entries(viewer_id=alex) == 1
    changed = store.update_entry(shared["id"], {"value": "sleep", "private": True}, expected_version=1)
    assert changed["value"] == "sleep" and changed["private"] is True and changed["version"] == 2
    store.delete_entry(shared["id"])
    assert store.get_entry(shared["id"]) is None


def test_nested_writes_commit_together(store):
    alex = store.partner_by_name("Alex")["id"]
    with pytest.raises(RuntimeError):
        with store.db.write():
            session = store.create_session("debrief", {})
            store.add_entry(session["id"], alex, "feeling", "calm")
            raise RuntimeError("step failed")
    assert store.list_sessions() == [] and store.list_entries() == []


def test_commitments(store, clock):
    sam = store.partner_by_name("Sam")["id"]
    promise = store.add_commitment(sam, "Put phones away at dinner", due_at="2025-11-30T18:00:00Z")
    assert promise["status"] == "open" and promise["partner"] == "Sam"
    assert [c["id"] for c in store.list_commitments(status="open")] == [promise["id"]]
    clock.now += 3600
    kept = store.update_commitment(promise["id"], "kept", expected_version=1)
    assert kept["status"] == "kept" and kept["reviewed_at"] == "2025-11-24T17:00:00Z"
    assert store.list_commitments(status="open") == []
    with pytest.raises(ApiError):
        store.update_commitment(promise["id"], "missed", expected_version=1)
    moved = store.update_commitment(promise["id"], what="Phones in the drawer")
    assert moved["what"] == "Phones in the drawer" and moved["status"] == "kept"


def test_phrases_uses_and_favourites(store, clock):
    alex = store.partner_by_name("Alex")["id"]
    store.record_phrase_use("calm.1", "calm", partner_id=alex)
    clock.now += 10
    store.record_phrase_use("calm.2", "calm")
    store.record_phrase_use("sorry.1", "sorry")
    last = store.phrase_last_used("calm")
    assert last == {"calm.1": "2025-11-24T16:00:00Z", "calm.2": "2025-11-24T16:00:10Z"}
    custom = store.add_custom_phrase("calm", "Let's breathe together.")
    assert custom["id"].startswith("custom.") and custom["custom"] is True
    assert store.custom_phrases("calm") == [custom] and store.custom_phrases("sorry") == []
    fav = store.add_favourite(custom["id"], alex)
    assert store.add_favourite(custom["id"], alex)["id"] == fav["id"]
    shared = store.add_favourite("calm.1")
    assert store.add_favourite("calm.1")["id"] == shared["id"]
    assert len(store.favourites(alex)) == 2 and len(store.favourites()) == 2
    assert store.delete_custom_phrase(custom["number"]) is True
    assert [f["phrase_id"] for f in store.favourites()] == ["calm.1"]
    assert store.delete_favourite(shared["id"]) is True and store.delete_favourite(shared["id"]) is False


def test_rituals_and_weekly_reviews(store, clock):
    store.log_ritual("walk", note="around the lake")
    clock.now += 86400
    store.log_ritual("six-second kiss", partner_id=store.partner_by_slot(2)["id"])
    assert [r["ritual"] for r in store.rituals()] == ["walk", "six-second kiss"]
    assert [r["ritual"] for r in store.rituals(since="2025-11-25T00:00:00Z")] == ["six-second kiss"]
    assert [r["ritual"] for r in store.rituals(until="2025-11-25T00:00:00Z")] == ["walk"]
    review = store.add_weekly_review("2025-11-24", {"debriefs": 3}, worked="walks")
    assert review["figures"] == {"debriefs": 3} and store.weekly_reviews() == [review]


def test_utterances_in_order(store):
    session = store.create_session("debrief", {})
    first = store.add_utterance(session["id"], "prompt", "debrief", "feelings", "How do you feel?", 0)
    second = store.add_utterance(session["id"], "announcement", "debrief", "feelings", "One minute left", 60.5)
    assert second["seq"] > first["seq"]
    assert [u["seq"] for u in store.utterances_after(first["seq"])] == [second["seq"]]
    assert store.utterances_after(0, limit=1) == [first]
    assert store.last_utterance_seq() == second["seq"]


def test_stored_settings_hide_internal_keys(store):
    store.secret_key()
    store.save_settings({"voice_rate": 180})
    assert store.stored_settings() == {"voice_rate": 180}


def test_old_idempotency_answers_are_pruned(store, clock):
    with store.db.write() as conn:
        conn.execute("INSERT INTO idempotency (key, method, path, status, response, created_at)"
                     " VALUES ('old', 'POST', '/x', 201, '{}', ?)", (store.now(),))
    assert store.prune_idempotency(keep_days=30) == 0
    clock.now += 31 * 86400
    assert store.prune_idempotency(keep_days=30) == 1
