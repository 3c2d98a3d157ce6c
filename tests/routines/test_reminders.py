"""The daily rhythm with a fake clock: reminders fire on time, once, snooze, skip, survive restarts."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from server import create_app
from server.routines import reminders as rm
from attune.settings import Settings

from tests.conftest import FakeClock

THURSDAY = datetime(2026, 11, 26)
SUNDAY = datetime(2026, 11, 29)
ANSWERS = {"Yes", "No", "Snooze", "SkipTonight", "NotNow"}
YES_NO = {"Yes", "No"}  # expected only while a reminder waits (the rest any time nothing runs)


def at(day: datetime, hh: int, mm: int = 0) -> float:
    """Wall-clock seconds of a local time on `day`."""
    return day.replace(hour=hh, minute=mm).astimezone().timestamp()


class Rig:
    """An app on a temporary database with a fake clock; `restart()` builds a new app on the same file."""

    def __init__(self, tmp_path, now: float):
        self.settings = Settings(db_path=tmp_path / "attune.sqlite3", partners=("Alex", "Sam"))
        self.clock = FakeClock(now)
        self.apps = []
        self.restart()

    def restart(self):
        self.app = create_app({"ATTUNE_SETTINGS": self.settings, "ATTUNE_CLOCK": self.clock, "TESTING": True})
        self.apps.append(self.app)
        self.client = self.app.test_client()
        return self.client

    def poll(self, client=None, after: int = 0) -> list[dict]:
        body = (client or self.client).get(f"/api/v1/utterances?after={after}").get_json()
        return body["utterances"]

    def reminders_said(self) -> list[dict]:
        return [u for u in self.poll() if u["routine"] == "reminder" and u["kind"] == "prompt"]

    def say(self, text: str, **extra) -> dict:
        response = self.client.post("/api/v1/events", json={"text": text, **extra})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def at(self, day: datetime, hh: int, mm: int = 0) -> None:
        self.clock.now = at(day, hh, mm)

    def close(self):
        for app in self.apps:
            app.extensions["attune.db"].close()


@pytest.fixture
def rig(tmp_path):
    made = Rig(tmp_path, at(THURSDAY, 20, 0))
    made.client.put("/api/v1/schedule", json={"quiet_start": "23:30", "quiet_end": "07:00"})
    yield made
    made.close()


# -- firing ------------------------------------------------------------------------------------

def test_the_debrief_reminder_fires_at_the_set_time_and_not_before(rig):
    rig.at(THURSDAY, 20, 59)
    assert rig.reminders_said() == []
    expects = rig.client.get("/api/v1/routine").get_json()["expects"]
    assert not YES_NO & set(expects["intents"]) and expects["wake"] == "required"
    rig.at(THURSDAY, 21, 0)
    said = rig.reminders_said()
    assert [u["step"] for u in said] == ["debrief"]
    assert "21:00" in said[0]["text"] and "nightly debrief" in said[0]["text"]
    expects = rig.client.get("/api/v1/routine").get_json()["expects"]
    assert ANSWERS <= set(expects["intents"]) and expects["wake"] == "none"  # answered without the wake phrase


def test_two_voice_loops_polling_hear_one_reminder(rig):
    other = rig.app.test_client()
    rig.at(THURSDAY, 21, 0)
    first, second = rig.poll(), rig.poll(other)
    for _ in range(3):
        rig.clock.now += 30
        rig.poll(), rig.poll(other)
    assert len(rig.reminders_said()) == 1
    assert [u["seq"] for u in first] == [u["seq"] for u in second]
    rows = rig.client.get("/api/v1/reminders").get_json()["history"]
    assert [(r["kind"], r["status"]) for r in rows] == [("debrief", "fired")]


def test_a_client_asking_where_to_start_still_hears_the_reminder_it_fired(rig):
    """The voice loop starts with GET /utterances?after=<huge> to learn the newest seq."""
    rig.at(THURSDAY, 21, 5)
    body = rig.client.get(f"/api/v1/utterances?after={2**40}").get_json()
    assert body["utterances"] == []
    later = rig.poll(after=body["last_seq"])
    assert [u["step"] for u in later if u["routine"] == "reminder"] == ["debrief"]


def test_yes_starts_the_debrief(rig):
    rig.at(THURSDAY, 21, 0)
    rig.poll()
    reply = rig.say("yes", time_scale=10)
    assert reply["routine"]["active"] and reply["routine"]["routine"] == "debrief"
    assert reply["routine"]["time_scale"] == 10
    assert reply["utterances"][-1]["step"] == "ready.1"
    assert rig.client.get("/api/v1/reminders").get_json()["history"][0]["status"] == "accepted"


def test_snooze_brings_it_back_and_snoozes_are_limited(rig):
    rig.at(THURSDAY, 21, 0)
    rig.poll()
    reply = rig.say("in ten minutes")
    assert "10 minutes" in reply["utterances"][0]["text"]
    assert not reply["routine"]["active"]
    rig.clock.now += 9 * 60
    assert len(rig.reminders_said()) == 1
    rig.clock.now += 60
    said = rig.reminders_said()
    assert len(said) == 2 and "again" in said[-1]["text"]
    for _ in range(2):  # two more snoozes (three in all)
        rig.say("give us five more minutes")
        rig.clock.now += 5 * 60
        rig.poll()
    assert len(rig.reminders_said()) == 4
    reply = rig.say("snooze")
    assert "last snooze" in reply["utterances"][0]["text"]
    assert ANSWERS <= set(reply["routine"]["expects"]["intents"])  # still waiting for an answer


def test_skip_tonight_records_a_skipped_day_and_tomorrow_comes_back(rig):
    rig.at(THURSDAY, 21, 0)
    rig.poll()
    reply = rig.say("skip tonight")
    assert "skip tonight" in reply["utterances"][0]["text"] and "21:00" in reply["utterances"][0]["text"]
    rig.clock.now += 3600
    assert len(rig.reminders_said()) == 1
    history = rig.client.get("/api/v1/reminders").get_json()["history"]
    assert (history[0]["day"], history[0]["status"]) == ("2026-11-26", "skipped")
    rig.at(THURSDAY + timedelta(days=1), 21, 0)
    assert len(rig.reminders_said()) == 2


def test_skip_tonight_before_the_reminder_means_none_tonight(rig):
    rig.at(THURSDAY, 18, 0)
    rig.say("let's skip the debrief tonight")
    rig.at(THURSDAY, 21, 0)
    assert rig.reminders_said() == []


def test_not_now_silences_the_rest_of_the_evening(rig):
    rig.client.put("/api/v1/schedule", json={"review_day": "sunday", "review_time": "19:00",
                                             "debrief_time": "21:00"})
    rig.at(SUNDAY, 19, 0)
    assert [u["step"] for u in rig.reminders_said()] == ["weekly_review"]
    reply = rig.say("not now")
    assert "no more reminders" in reply["utterances"][0]["text"].lower()
    rig.at(SUNDAY, 21, 0)
    assert len(rig.reminders_said()) == 1  # the debrief reminder stays quiet tonight
    statuses = {r["kind"]: r["status"] for r in rig.client.get("/api/v1/reminders").get_json()["history"]}
    assert statuses == {"weekly_review": "silenced", "debrief": "silenced"}


def test_no_to_a_reminder_means_not_now(rig):
    rig.at(THURSDAY, 21, 0)
    rig.poll()
    reply = rig.say("not tonight")
    assert not reply["routine"]["active"]
    assert rig.client.get("/api/v1/reminders").get_json()["history"][0]["status"] == "silenced"


# -- restarts and outages ----------------------------------------------------------------------

def test_a_waiting_reminder_survives_a_restart(rig):
    rig.at(THURSDAY, 21, 0)
    rig.poll()
    rig.restart()
    rig.clock.now += 60
    assert len(rig.reminders_said()) == 1  # not said again
    assert rig.say("yes")["routine"]["routine"] == "debrief"


def test_a_snooze_survives_a_restart(rig):
    rig.at(THURSDAY, 21, 0)
    rig.poll()
    rig.say("in fifteen minutes")
    rig.restart()
    rig.clock.now += 15 * 60
    assert len(rig.reminders_said()) == 2


def test_a_reminder_missed_while_down_is_said_once_if_still_in_time(rig):
    rig.at(THURSDAY, 22, 30)  # nobody polled at 21:00; 90 minutes late, inside the 2-hour grace
    assert len(rig.reminders_said()) == 1
    rig.clock.now += 600
    assert len(rig.reminders_said()) == 1


def test_a_reminder_missed_for_hours_is_dropped_not_replayed(rig):
    rig.client.put("/api/v1/schedule", json={"quiet_start": None, "quiet_end": None})
    rig.at(THURSDAY + timedelta(days=3), 23, 10)  # down since Thursday 20:00, back on Sunday night
    assert rig.reminders_said() == []
    history = rig.client.get("/api/v1/reminders").get_json()["history"]
    assert {(r["kind"], r["day"], r["status"]) for r in history} == {("debrief", "2026-11-29", "missed"),
                                                                      ("weekly_review", "2026-11-29", "missed")}


def test_several_due_at_once_say_only_the_latest(rig):
    rig.client.put("/api/v1/schedule", json={"review_day": "sunday", "review_time": "20:00"})
    rig.at(SUNDAY, 21, 15)  # both the 20:00 review and the 21:00 debrief are due: one burst-free reminder
    said = rig.reminders_said()
    assert [u["step"] for u in said] == ["debrief"]
    statuses = {r["kind"]: r["status"] for r in rig.client.get("/api/v1/reminders").get_json()["history"]}
    assert statuses == {"weekly_review": "missed", "debrief": "fired"}


def test_quiet_hours_hold_a_reminder_until_they_end(rig):
    rig.client.put("/api/v1/schedule", json={"quiet_start": "20:30", "quiet_end": "21:30"})
    rig.at(THURSDAY, 21, 0)
    assert rig.reminders_said() == []
    assert rig.client.get("/api/v1/reminders").get_json()["history"] == []  # held polls write nothing
    rig.at(THURSDAY, 21, 30)
    assert len(rig.reminders_said()) == 1


def test_a_reminder_due_deep_in_quiet_hours_is_never_said(rig):
    rig.client.put("/api/v1/schedule", json={"debrief_time": "23:45", "quiet_start": "23:30",
                                             "quiet_end": "07:00"})
    for hh, mm in ((23, 45), (0, 30), (1, 50)):
        rig.at(THURSDAY + timedelta(days=1 if hh < 12 else 0), hh, mm)
        assert rig.reminders_said() == []


def test_a_running_routine_holds_the_reminder_until_it_ends(rig):
    rig.at(THURSDAY, 20, 55)
    rig.client.post("/api/v1/routines", json={"routine": "timeout"})
    rig.at(THURSDAY, 21, 0)
    assert rig.reminders_said() == []
    rig.at(THURSDAY, 21, 20)  # the 20-minute break is over
    said = rig.poll()
    assert [u["kind"] for u in said if u["routine"] == "timeout"][-1] == "end"
    assert len(rig.reminders_said()) == 1


def test_no_reminder_once_tonights_debrief_is_done(rig):
    rig.at(THURSDAY, 20, 0)
    rig.client.post("/api/v1/routines", json={"routine": "debrief", "time_scale": 100})
    rig.clock.now += 10  # 1000 routine seconds: the debrief is over
    rig.poll()
    assert not rig.client.get("/api/v1/routine").get_json()["active"]
    rig.at(THURSDAY, 21, 0)
    assert rig.reminders_said() == []


# -- follow-ups ----------------------------------------------------------------------------------

def test_a_promise_due_today_is_mentioned(rig):
    due = datetime.fromtimestamp(at(THURSDAY, 23, 59)).astimezone().isoformat()
    rig.client.post("/api/v1/commitments", json={"partner": "Sam", "what": "Phones away at dinner", "due_at": due})
    rig.client.post("/api/v1/commitments", json={"partner": "Alex", "what": "Call mum on Sunday",
                                                 "due_at": "2026-12-20"})
    rig.at(THURSDAY, 21, 0)
    text = rig.reminders_said()[0]["text"]
    assert "Sam's promise is due today: Phones away at dinner." in text
    assert "Call mum" not in text


def test_the_weekly_review_reminder_counts_open_promises(rig):
    for what in ("one", "two"):
        rig.client.post("/api/v1/commitments", json={"partner": "Alex", "what": what})
    rig.at(SUNDAY, 19, 0)
    said = rig.reminders_said()
    assert said[0]["step"] == "weekly_review" and "2 open promises" in said[0]["text"]
    assert rig.say("yes")["routine"]["routine"] == "weekly_review"


def test_the_time_agreed_in_a_debrief_is_tomorrows_reminder(rig):
    rig.at(THURSDAY, 20, 0)
    rig.client.post("/api/v1/routines", json={"routine": "debrief", "time_scale": 1})
    for _ in range(60):
        view = rig.client.get("/api/v1/routine").get_json()
        if view["step"] == "tomorrow":
            break
        rig.say("yes") if view["step"].startswith(("ready", "heard")) else rig.say("done")
    assert rig.client.get("/api/v1/routine").get_json()["step"] == "tomorrow"
    rig.say("half past nine")
    upcoming = rig.client.get("/api/v1/reminders").get_json()["upcoming"]
    friday = [r for r in upcoming if r["day"] == "2026-11-27"]
    assert [(r["local_time"], r["source"]) for r in friday] == [("21:30", "agreed")]
    saturday = [r for r in upcoming if r["day"] == "2026-11-28" and r["kind"] == "debrief"]
    assert saturday[0]["local_time"] == "21:00"  # one day only; the default stays
    rig.at(THURSDAY + timedelta(days=1), 21, 0)
    assert rig.reminders_said() == []
    rig.at(THURSDAY + timedelta(days=1), 21, 30)
    assert len(rig.reminders_said()) == 1


# -- by voice ------------------------------------------------------------------------------------

def test_remind_us_at_nine_thirty_moves_the_daily_reminder(rig):
    reply = rig.say("remind us at nine thirty")
    assert "21:30" in reply["utterances"][0]["text"]
    assert rig.client.get("/api/v1/schedule").get_json()["debrief_time"] == "21:30"
    rig.at(THURSDAY, 21, 0)
    assert rig.reminders_said() == []
    assert rig.client.get("/api/v1/reminders").get_json()["history"] == []  # held polls write nothing
    rig.at(THURSDAY, 21, 30)
    assert len(rig.reminders_said()) == 1


def test_move_the_weekly_review_and_ask_for_the_next_reminder(rig):
    reply = rig.say("move the weekly review to friday at six")
    assert reply["utterances"][0]["text"] == "Okay. The weekly review is now on Friday at 18:00."
    schedule = rig.client.get("/api/v1/schedule").get_json()
    assert (schedule["review_day"], schedule["review_time"]) == ("friday", "18:00")
    assert rig.say("when is the next reminder")["utterances"][0]["text"] == \
        "The next reminder is for the nightly debrief, today at 21:00."
    rig.at(THURSDAY, 21, 5)
    rig.poll()
    rig.say("skip tonight")
    assert "weekly review, tomorrow at 18:00" in rig.say("when is the next reminder")["utterances"][0]["text"]


def test_snooze_with_nothing_waiting_says_so(rig):
    assert rig.say("in ten minutes")["utterances"][0]["text"] == "There's no reminder waiting right now."


# -- the pure machine ----------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("nine thirty", "21:30"), ("at 9 pm", "21:00"), ("9pm", "21:00"), ("21:30", "21:30"), ("half past nine", "21:30"),
    ("quarter to ten", "21:45"), ("same time", None), ("after dinner", None), ("at eight", "20:00"),
    ("8:15", "20:15"), ("seven in the morning", "07:00"), ("tomorrow at 10", "22:00"), ("nine", "21:00"),
])
def test_agreed_times_are_understood(text, expected):
    assert rm.clock_time(text) == expected


def test_reminder_days_start_at_four_in_the_morning():
    tz = datetime.now().astimezone().tzinfo
    late = datetime(2026, 11, 27, 0, 30, tzinfo=tz)
    assert rm.reminder_day(late).isoformat() == "2026-11-26"
    assert rm.at(rm.reminder_day(late), "00:15", tz) == datetime(2026, 11, 27, 0, 15, tzinfo=tz)


def test_quiet_hours_across_midnight():
    tz = datetime.now().astimezone().tzinfo
    schedule = rm.Schedule(quiet_start="22:30", quiet_end="08:00")
    assert rm.in_quiet_hours(schedule, datetime(2026, 11, 26, 23, 0, tzinfo=tz))
    assert rm.in_quiet_hours(schedule, datetime(2026, 11, 27, 7, 59, tzinfo=tz))
    assert not rm.in_quiet_hours(schedule, datetime(2026, 11, 26, 21, 0, tzinfo=tz))
    assert not rm.in_quiet_hours(rm.Schedule(quiet_start=None, quiet_end=None),
                                 datetime(2026, 11, 26, 23, 0, tzinfo=tz))


def test_every_reminder_prompt_key_used_exists():
    import re
    from pathlib import Path

    from server.routines.language import language

    code = (Path(__file__).resolve().parents[2] / "server" / "schedule.py").read_text()
    used = set(re.findall(r"""["'](reminder\.[a-z_]+)["']""", code))
    used |= {f"reminder.{kind}" for kind in rm.KINDS}  # built from the kind at run time
    assert len(used) > 15 and not sorted(k for k in used if not language().has(k))


def test_starting_the_debrief_by_name_answers_the_waiting_reminder(rig):
    rig.at(THURSDAY, 21, 0)
    rig.poll()
    rig.say("start our nightly debrief", time_scale=100)
    rig.clock.now += 10  # the debrief is over
    rig.poll()
    view = rig.client.get("/api/v1/routine").get_json()
    assert not view["active"] and not YES_NO & set(view["expects"]["intents"])  # "yes" starts nothing now
    assert rig.client.get("/api/v1/reminders").get_json()["history"][0]["status"] == "accepted"


def test_loops_polling_at_once_from_threads_fire_it_once(rig):
    from concurrent.futures import ThreadPoolExecutor

    rig.at(THURSDAY, 21, 0)
    clients = [rig.app.test_client() for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda c: [c.get("/api/v1/utterances?after=0") for _ in range(5)], clients))
    assert len(rig.reminders_said()) == 1


def test_with_every_reminder_off_the_next_one_is_none_and_a_review_time_switches_it_on(rig):
    rig.client.put("/api/v1/schedule", json={"debrief_time": None, "review_day": None})
    assert rig.say("when is the next reminder")["utterances"][0]["text"].startswith("No reminders are scheduled")
    reply = rig.say("move the weekly review to eight thirty")
    assert reply["utterances"][0]["text"] == "Okay. The weekly review is now on Sunday at 20:30."


@pytest.mark.parametrize("intent,slots", [("SetReminder", {"time": "99:99"}), ("SetReminder", {}),
                                          ("MoveWeeklyReview", {"day": "someday"}),
                                          ("MoveWeeklyReview", {"time": "later"})])
def test_odd_slots_from_an_api_client_get_a_question_not_an_error(rig, intent, slots):
    response = rig.client.post("/api/v1/events", json={"intent": intent, "slots": slots})
    assert response.status_code == 200 and response.get_json()["utterances"][0]["text"].startswith(("At what", "To which"))
    assert rig.client.get("/api/v1/schedule").get_json()["version"] == 1  # only the fixture's change
