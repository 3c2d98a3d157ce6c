"""Issue 20: the History page corrects one entry (edit, move to the other partner, delete), through the
API, and each change is logged: what kind of change, when, by which partner; never the words."""

from __future__ import annotations

import json


def _entry(app, partner_slot=1, value="Sam made plans without asking me", private=False):
    store = app.extensions["attune.store"]
    session = store.create_session("repair", {}, status="completed")
    return store.add_entry(session["id"], store.partner_by_slot(partner_slot)["id"], "rupture", value,
                           "what", private=private)


def _post(client, csrf, entry, **form):
    return client.post(f"/entries/{entry['id']}", data={"csrf_token": csrf, "version": entry["version"],
                                                         "next": "/history", **form})


def test_history_offers_to_change_each_entry(client, app):
    entry = _entry(app)
    html = client.get("/history").get_data(as_text=True)
    assert f'action="/entries/{entry["id"]}"' in html and "Move to Sam" in html and ">Delete<" in html


def test_move_an_entry_to_the_other_partner_from_the_page(client, app, csrf):
    entry = _entry(app)
    sam = app.extensions["attune.store"].partner_by_slot(2)
    response = _post(client, csrf, entry, action="move", to=str(sam["id"]))
    assert response.status_code == 303
    moved = app.extensions["attune.store"].get_entry(entry["id"])
    assert moved["partner"] == "Sam" and moved["value"] == entry["value"]
    [change] = client.get("/api/v1/entry-changes").get_json()["changes"]
    assert (change["entry_id"], change["action"], change["partner"]) == (entry["id"], "move", None)
    assert change["changed_at"].endswith("Z") and entry["value"] not in json.dumps(change)


def test_edit_and_delete_from_the_page_are_logged_without_words(client, app, csrf):
    entry = _entry(app)
    client.post("/viewing-as", data={"csrf_token": csrf, "viewer": str(entry["partner_id"]), "next": "/"})
    assert _post(client, csrf, entry, action="edit", value="we had plans mixed up").status_code == 303
    store = app.extensions["attune.store"]
    assert store.get_entry(entry["id"])["value"] == "we had plans mixed up"
    _post(client, csrf, store.get_entry(entry["id"]), action="delete")
    assert store.get_entry(entry["id"]) is None
    changes = client.get(f"/api/v1/entry-changes?entry_id={entry['id']}").get_json()["changes"]
    assert [(c["action"], c["partner"]) for c in changes] == [("delete", "Alex"), ("edit", "Alex")]
    text = json.dumps(changes)
    assert "plans" not in text


def test_api_move_needs_the_owner_for_a_private_entry(client, app):
    entry = _entry(app, private=True)
    url = f"/api/v1/entries/{entry['id']}"
    assert client.patch(f"{url}?as=Sam", json={"partner": "Sam"}).status_code == 404       # not even visible
    assert client.patch(url, json={"partner": "Sam"}).status_code == 404
    # its words are sealed to Alex's key: shared first, then moved (Sam could never open them)
    refused = client.patch(f"{url}?as=Alex", json={"partner": "Sam"})
    assert refused.status_code == 403 and refused.get_json()["error"]["field"] == "partner"
    assert client.patch(f"{url}?as=Alex", json={"private": False}).status_code == 200
    response = client.patch(f"{url}?as=Alex", json={"partner": "Sam"})
    assert response.status_code == 200 and response.get_json()["partner"] == "Sam"


def test_api_move_to_an_unknown_partner_is_400_and_nothing_is_logged(client, app):
    entry = _entry(app)
    response = client.patch(f"/api/v1/entries/{entry['id']}", json={"partner": "Nobody"})
    assert response.status_code == 400
    assert client.get("/api/v1/entry-changes").get_json()["changes"] == []
    # a change to the same value is no change
    client.patch(f"/api/v1/entries/{entry['id']}", json={"value": entry["value"]})
    assert client.get("/api/v1/entry-changes").get_json()["changes"] == []
