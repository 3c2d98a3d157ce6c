"""Routine timings on the settings page: a bad value is explained, a good one is used."""

from __future__ import annotations

import json

import pytest


@pytest.fixture(autouse=True)
def _api():
    pytest.importorskip("server.api.settings", reason="the settings API is not in this build")


def test_bad_routine_timings_are_explained_and_good_ones_saved(app, client, csrf):
    bad = {"debrief": {"win.1": 90}}
    response = client.post("/settings", data={"csrf_token": csrf, "routine_timings": json.dumps(bad)},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="flash flash-error"' in page
    assert "routine timings:" in page and "add up to 600 s" in page
    assert app.config["ATTUNE_SETTINGS"].routine_timings == {}

    response = client.post("/settings", data={"csrf_token": csrf,
                                              "routine_timings": '{"timeout": {"bread": 600}}'},
                           follow_redirects=True)
    assert "timeout.bread" in response.get_data(as_text=True)

    good = {"timeout": {"break": 600}, "debrief": {"win.1": 60, "win.2": 30}}
    response = client.post("/settings", data={"csrf_token": csrf, "routine_timings": json.dumps(good)},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Settings saved." in page and app.config["ATTUNE_SETTINGS"].routine_timings == good
    assert "must still add up to 600 seconds" in page                 # the rule is on the page
    assert "<th scope=\"row\">break</th><td>1200</td><td>600</td>" in page

    started = client.post("/api/v1/routines", json={"routine": "timeout"}, headers={"X-CSRF-Token": csrf})
    assert started.status_code == 201
    assert app.extensions["attune.store"].active_session()["state"]["vars"]["minutes"] == 10
