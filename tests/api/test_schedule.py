"""GET/PUT /api/v1/schedule and GET /api/v1/reminders: defaults, partial edits, versions, validation."""

from __future__ import annotations

import pytest


def test_defaults_before_any_change(client):
    response = client.get("/api/v1/schedule")
    body = response.get_json()
    assert response.status_code == 200 and response.headers["ETag"] == '"0"'
    assert {k: body[k] for k in ("debrief_time", "review_day", "review_time", "max_snoozes", "snooze_minutes")} == \
        {"debrief_time": "21:00", "review_day": "sunday", "review_time": "19:00", "max_snoozes": 3,
         "snooze_minutes": 10}
    assert body["version"] == 0 and body["updated_at"] is None


def test_put_changes_only_the_fields_given_and_bumps_the_version(client):
    first = client.put("/api/v1/schedule", json={"debrief_time": "21:30"}).get_json()
    assert first["debrief_time"] == "21:30" and first["review_day"] == "sunday" and first["version"] == 1
    second = client.put("/api/v1/schedule", json={"review_day": "friday", "review_time": "18:15",
                                                  "version": 1}).get_json()
    assert (second["debrief_time"], second["review_day"], second["review_time"], second["version"]) == \
        ("21:30", "friday", "18:15", 2)
    assert client.get("/api/v1/schedule").get_json() == second


def test_null_switches_a_part_off(client):
    body = client.put("/api/v1/schedule", json={"debrief_time": None, "review_day": None,
                                                "quiet_start": None, "quiet_end": None}).get_json()
    assert (body["debrief_time"], body["review_day"], body["quiet_start"]) == (None, None, None)
    assert client.get("/api/v1/reminders").get_json()["upcoming"] == []


def test_a_stale_version_is_a_409(client):
    client.put("/api/v1/schedule", json={"debrief_time": "20:00"})
    response = client.put("/api/v1/schedule", json={"debrief_time": "22:00"}, headers={"If-Match": '"0"'})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "version_conflict"
    assert client.get("/api/v1/schedule").get_json()["debrief_time"] == "20:00"


@pytest.mark.parametrize("body,field", [
    ({"debrief_time": "25:00"}, "debrief_time"), ({"debrief_time": "9pm"}, "debrief_time"),
    ({"review_day": "someday"}, "review_day"), ({"max_snoozes": 11}, "max_snoozes"),
    ({"snooze_minutes": 0}, "snooze_minutes"), ({"quiet_start": None}, "quiet_end"),
    ({"bedtime": "22:00"}, "bedtime"), ({"review_time": None}, "review_time"),
])
def test_bad_values_are_refused_naming_the_field(client, body, field):
    response = client.put("/api/v1/schedule", json=body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["field"] == field
    assert client.get("/api/v1/schedule").get_json()["version"] == 0


def test_reminders_lists_the_next_ones_soonest_first(client):
    body = client.get("/api/v1/reminders").get_json()
    assert body["waiting"] is None and body["history"] == []
    upcoming = body["upcoming"]
    assert upcoming and all(a["due_at"] <= b["due_at"] for a, b in zip(upcoming, upcoming[1:]))
    assert {r["kind"] for r in upcoming} == {"debrief", "weekly_review"}
    assert all(r["status"] == "scheduled" and r["source"] == "schedule" for r in upcoming)
    weekly = [r for r in upcoming if r["kind"] == "weekly_review"]
    assert weekly[0]["local_time"] == "19:00"
