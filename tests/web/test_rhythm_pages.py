"""The reminder schedule on the web page: the dashboard's reminders card and the settings form."""

from __future__ import annotations

from web_seed import NOW


def test_dashboard_shows_the_next_reminder_of_each_kind(client):
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('id="reminders"'):]
    card = card[:card.index("</section>")]
    assert "Nightly debrief: " in card and " at 21:00" in card
    assert "Weekly review: on Sunday at 19:00" in card
    assert "Start now" not in card                     # nothing is waiting


def test_a_waiting_reminder_gets_answer_buttons_that_work(app, client, csrf):
    clock_now = NOW.astimezone()  # the fixture clock, local time
    response = client.put("/api/v1/schedule", json={"debrief_time": clock_now.strftime("%H:%M"),
                                                    "quiet_start": None, "quiet_end": None},
                          headers={"X-CSRF-Token": csrf})  # the page's cookie is set: JSON needs the token
    assert response.status_code == 200
    client.get("/api/v1/utterances?after=0")        # a voice loop's poll says it
    html = client.get("/").get_data(as_text=True)
    for label in ("Start now", "In 10 minutes", "Skip tonight", "Not now"):
        assert f">{label}</button>" in html
    response = client.post("/routine/event", data={"csrf_token": csrf, "intent": "SkipTonight", "next": "/"})
    assert response.status_code == 303
    assert client.get("/api/v1/reminders").get_json()["history"][0]["status"] == "skipped"
    assert "Skipped lately" in client.get("/settings").get_data(as_text=True)


def test_settings_form_saves_the_schedule(client, csrf):
    form = {"csrf_token": csrf, "version": "0", "debrief_time": "21:30", "review_day": "friday",
            "review_time": "18:00", "quiet_start": "", "quiet_end": "", "max_snoozes": "2", "snooze_minutes": "15"}
    response = client.post("/settings/schedule", data=form)
    assert response.status_code == 303 and response.headers["Location"].endswith("/settings#rhythm")
    schedule = client.get("/api/v1/schedule").get_json()
    assert {k: schedule[k] for k in form if k in schedule and k != "version"} == {
        "debrief_time": "21:30", "review_day": "friday", "review_time": "18:00", "quiet_start": None,
        "quiet_end": None, "max_snoozes": 2, "snooze_minutes": 15}
    html = client.get("/settings").get_data(as_text=True)
    assert 'value="21:30"' in html and "Reminder schedule saved." in html


def test_settings_form_refuses_bad_values_and_stale_versions(client, csrf):
    client.post("/settings/schedule", data={"csrf_token": csrf, "review_time": "25:99"})
    html = client.get("/settings").get_data(as_text=True)
    assert "review time:" in html
    client.post("/settings/schedule", data={"csrf_token": csrf, "version": "0", "debrief_time": "20:00"})
    client.post("/settings/schedule", data={"csrf_token": csrf, "version": "0", "debrief_time": "22:00"})
    assert client.get("/api/v1/schedule").get_json()["debrief_time"] == "20:00"


def test_the_schedule_form_needs_the_csrf_token(client):
    response = client.post("/settings/schedule", data={"debrief_time": "20:00"})
    assert response.status_code in (400, 403)
    assert client.get("/api/v1/schedule").get_json()["version"] == 0
