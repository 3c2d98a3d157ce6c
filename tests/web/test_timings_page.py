"""Routine timings on the settings page: a form of minutes and seconds per step, checked as before."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(autouse=True)
def _api():
    pytest.importorskip("server.api.settings", reason="the settings API is not in this build")


def field(routine: str, step: str, unit: str) -> str:
    return f"timing:{routine}:{step}:{unit}"


def test_the_timings_form_shows_titles_and_minutes_not_ids_or_json(client, seeded):
    page = client.get("/settings").get_data(as_text=True)
    assert "<textarea" not in page and '{"repair"' not in page
    assert '<span class="timing-title">Appreciations (Alex)</span>' in page
    assert '<span class="timing-title">A small win (Sam)</span>' in page
    assert "<summary>Nightly debrief (10:00 in all)</summary>" in page
    # the win steps are 45 s: 0 min 45 s; the time-out break is 20 whole minutes, no seconds box
    assert f'name="{field("debrief", "win.1", "m")}" value="0"' in page
    assert f'name="{field("debrief", "win.1", "s")}" value="45"' in page
    assert f'name="{field("timeout", "break", "m")}" value="20"' in page
    assert field("timeout", "break", "s") not in page
    assert 'aria-label="Nightly debrief, Appreciations (Alex): minutes"' in page
    assert not re.search(r">\s*(ready|appreciation|win)\.\d\s*<", page)   # no step ids as text


def test_bad_timings_are_explained_and_good_ones_saved(app, client, csrf):
    # 90 s for the first win without taking it elsewhere: the debrief would run past ten minutes
    bad = {"csrf_token": csrf, field("debrief", "win.1", "m"): "1", field("debrief", "win.1", "s"): "30"}
    response = client.post("/settings", data=bad, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'class="flash flash-error"' in page
    assert "routine timings: Nightly debrief: the step budgets must add up to 600 s" in page
    assert "debrief.win" not in page
    assert app.config["ATTUNE_SETTINGS"].routine_timings == {}

    typed = {"csrf_token": csrf, field("repair", "what", "m"): "two"}
    page = client.post("/settings", data=typed, follow_redirects=True).get_data(as_text=True)
    assert "Rupture and repair, What happened: must be a number of seconds, not &#39;two min&#39;" in page
    assert app.config["ATTUNE_SETTINGS"].routine_timings == {}

    # 60 s to win.1 and 30 s to win.2 (was 45 + 45), the break 10 minutes; unchanged steps stay out
    good = {"csrf_token": csrf, field("debrief", "win.1", "m"): "1", field("debrief", "win.1", "s"): "0",
            field("debrief", "win.2", "m"): "0", field("debrief", "win.2", "s"): "30",
            field("debrief", "ready.1", "m"): "0", field("debrief", "ready.1", "s"): "20",
            field("timeout", "break", "m"): "10"}
    page = client.post("/settings", data=good, follow_redirects=True).get_data(as_text=True)
    assert "Settings saved." in page
    assert app.config["ATTUNE_SETTINGS"].routine_timings == \
        {"debrief": {"win.1": 60, "win.2": 30}, "timeout": {"break": 600}}
    assert "must still add up to 10:00" in page                        # the rule is on the page
    assert f'name="{field("timeout", "break", "m")}" value="10"' in page and "(usually 20:00)" in page

    started = client.post("/api/v1/routines", json={"routine": "timeout"}, headers={"X-CSRF-Token": csrf})
    assert started.status_code == 201
    assert app.extensions["attune.store"].active_session()["state"]["vars"]["minutes"] == 10
