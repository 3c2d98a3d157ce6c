"""Every trend figure against trend_seed's history, whose right answers are worked out by hand there.

Twelve weeks shown: Mondays 7 Sep .. 23 Nov 2026; "recent" = the last 4 of them (from 2 Nov).
"""

from __future__ import annotations

import html as htmllib
import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from trend_seed import seed_trends
from web_seed import NOW

from server.trends import queries as trends
from server.trends.feelings import GROUPS, feeling_group, feeling_groups
from server.trends.small import SMALL_N, Share
from server.trends.week import week_figures

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def couple(app):
    with app.extensions["attune.db"].write() as conn:
        return seed_trends(conn)


@pytest.fixture
def conn(app, couple):
    return app.extensions["attune.db"].read()


def nonzero(weeks, series):
    return {w["week"]: tuple(w[s] for s in series) for w in weeks if any(w[s] for s in series)}


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


# -- the small-number rule -------------------------------------------------------------------------
@pytest.mark.parametrize("k, n, percent, text", [
    (0, 0, None, "none"), (2, 2, None, "2 of 2"), (4, 5, None, "4 of 5"), (9, 9, None, "9 of 9"),
    (6, 10, 60, "60%"), (8, 12, 67, "67%"), (1, 200, 1, "1%"), (1, 3, None, "1 of 3"),
])
def test_a_share_of_fewer_than_ten_is_a_count_never_a_percentage(k, n, percent, text):
    assert SMALL_N == 10
    assert Share(k, n).percent == percent and Share(k, n).text == text


# -- felt heard ------------------------------------------------------------------------------------
def test_felt_heard_per_week(conn, couple):
    weeks = trends.heard_by_week(conn, NOW, None)
    assert [w["week"] for w in weeks][0] == date(2026, 9, 7) and len(weeks) == 12
    assert nonzero(weeks, trends.HEARD) == {
        date(2026, 9, 14): (2, 0, 0), date(2026, 11, 9): (0, 2, 0),
        date(2026, 11, 16): (1, 0, 1), date(2026, 11, 23): (5, 1, 0)}   # the 01:00 debrief counts for Wed
    assert weeks[-1]["share"].text == "5 of 6"
    sam = trends.heard_by_week(conn, NOW, None, couple["sam"])
    assert trends.totals(sam, trends.HEARD) == {"yes": 4, "partly": 2, "no": 0}


def test_felt_heard_on_the_charts_page_follows_the_small_number_rule(client, couple):
    text = page_text(client, "/charts")
    # 12 weeks: 8 yes of 12 answers (67%); last 4 weeks 6 of 10 (60%); the 8 weeks before: 2 of 2
    assert ("Over the last 12 weeks, “yes” was 67% of 12 answers (8 yes, 3 partly, 1 no)."
            " Last 4 weeks: 60% of 10; the 8 weeks before: 2 of 2.") in text
    assert "Mon 23 Nov 2026 5 1 0 5 of 6" in text          # the table row, a count not "83%"
    assert "83%" not in text
    sam = page_text(client, f"/charts?partner={couple['sam']}")
    assert "Did Sam feel heard?" in sam and "“yes” was 4 of 6 answers (4 yes, 2 partly, 0 no)" in sam


# -- feelings --------------------------------------------------------------------------------------
def test_every_feeling_in_the_word_list_has_a_group():
    lists = yaml.safe_load((ROOT / "intents" / "data" / "en" / "lists.yaml").read_text(encoding="utf-8"))
    words = {v if isinstance(v, str) else v["out"] for v in lists["lists"]["feeling"]["values"]}
    assert len(words) > 100
    groups = feeling_groups("en")
    assert sorted(w for w in words if w not in groups) == []
    assert set(groups.values()) == set(GROUPS)
    assert feeling_group("Grateful ") == "pleasant" and feeling_group("hurt") == "unpleasant"
    assert feeling_group("zonked") == "other"
    assert feeling_group("deflated") == "unpleasant" and feeling_group("ignored") == "unpleasant"  # colloquial, pseudo


def test_feelings_per_week_grouped_from_the_yaml(conn, couple):
    weeks = trends.feelings_by_week(conn, NOW, None)
    assert nonzero(weeks, trends.FEELING_SERIES) == {date(2026, 11, 16): (0, 2, 0), date(2026, 11, 23): (4, 1, 1)}
    alex = trends.feelings_by_week(conn, NOW, couple["alex"], couple["alex"])  # Alex's view: the private one too
    assert nonzero(alex, trends.FEELING_SERIES) == {date(2026, 11, 16): (0, 1, 0), date(2026, 11, 23): (2, 1, 1)}


def test_feelings_summary(client, couple):
    text = page_text(client, "/charts")
    assert ("Over the last 12 weeks, you both named 4 pleasant and 3 unpleasant feelings (1 other)."
            " Last 4 weeks: 4 pleasant, 3 unpleasant; the 8 weeks before: 0 pleasant, 0 unpleasant.") in text
    assert "anxious" not in text                                  # Alex's private feeling, Together view


# -- needs -----------------------------------------------------------------------------------------
def test_needs_by_month_with_their_requests_and_promises(conn, couple):
    needs = trends.needs_by_month(conn, NOW, None)
    assert needs["months"] == [date(2026, m, 1) for m in range(6, 12)]
    got = {n["need"]: (n["total"], n["by_month"], n["recent"], n["before"], n["trend"]) for n in needs["needs"]}
    assert list(got) == ["rest", "connection", "space"]            # by count, then name
    assert got == {"rest": (4, [0, 0, 0, 0, 0, 4], 4, 0, "rose"),
                   "connection": (3, [0, 0, 0, 1, 0, 2], 2, 0, "rose"),
                   "space": (3, [0, 0, 0, 0, 2, 1], 1, 2, "fell")}
    by_need = {n["need"]: n for n in needs["needs"]}
    assert by_need["rest"]["requests"] == ["a quiet evening", "an early night", "take the bins out"]
    assert by_need["connection"]["requests"] == ["a hug after work", "call when late"]
    assert by_need["space"]["requests"] == [] and by_need["space"]["promises"] is None
    assert by_need["rest"]["promises"] == {"kept": 0, "partly": 1, "missed": 1, "open": 2}
    assert by_need["connection"]["promises"] == {"kept": 1, "partly": 0, "missed": 0, "open": 0}


def test_needs_summary(client, couple):
    text = page_text(client, "/charts")
    assert "Named most in the last 6 months: rest (4), connection (3), space (3)." in text
    assert ("Last 4 weeks against the 4 before: rest rose (4, was 0); connection rose (2, was 0);"
            " space fell (1, was 2).") in text
    assert "Asked: “a quiet evening”; “an early night”; “take the bins out”." in text
    assert "Promises from repairs about it: 0 kept, 1 partly, 1 missed, 2 open." in text


# -- the calendar ----------------------------------------------------------------------------------
def test_calendar_of_twelve_weeks(conn, couple):
    weeks = trends.calendar(conn, NOW)
    days = {d["day"]: d for w in weeks for d in w["days"]}
    assert len(days) == 84 and min(days) == date(2026, 9, 7) and max(days) == date(2026, 11, 29)
    state = {day: d["debrief"] for day, d in days.items()}
    assert state[date(2026, 9, 15)] == ""                          # before the first debrief: not "missed"
    assert state[date(2026, 9, 16)] == "done" and state[date(2026, 9, 17)] == "missed"
    assert state[date(2026, 11, 21)] == "stopped" and state[date(2026, 11, 22)] == "skipped"
    assert state[date(2026, 11, 25)] == "done"                     # the debrief at 01:00 on the 26th
    assert state[date(2026, 11, 26)] == "tonight" and state[date(2026, 11, 27)] == ""
    assert days[date(2026, 11, 22)]["review"] and days[date(2026, 11, 25)]["rituals"] == ["weekly meal"]
    # 71 nights from 16 Sep to 25 Nov: 7 done, 1 stopped, 1 skipped, so 62 without one
    assert trends.calendar_totals(weeks) == {"done": 7, "skipped": 1, "stopped": 1, "missed": 62,
                                             "reviews": 1, "rituals": 2}


def test_calendar_summary_counts_without_a_streak(client, couple):
    text = page_text(client, "/charts")
    assert ("A debrief on 7 nights; 1 skipped; 1 stopped early; 62 without one."
            " 1 weekly review and 2 rituals.") in text
    assert "streak" not in text.lower()
    # the table row of that week: 1 done (Mon), 1 skipped (Sun), 1 stopped (Sat), the other 4 without one
    assert "Mon 16 Nov 2026 1 1 1 4 yes weekly meal" in text


# -- promises --------------------------------------------------------------------------------------
def test_promise_follow_through_by_week_and_open_ones_soonest_first(conn, client, couple):
    weeks = trends.promises_by_week(conn, NOW)
    assert nonzero(weeks, trends.PROMISE_OUTCOMES) == {
        date(2026, 11, 9): (1, 0, 0), date(2026, 11, 16): (0, 0, 1), date(2026, 11, 23): (0, 1, 0)}
    sam = trends.promises_by_week(conn, NOW, couple["sam"])
    assert nonzero(sam, trends.PROMISE_OUTCOMES) == {date(2026, 11, 16): (0, 0, 1)}
    text = page_text(client, "/charts")
    assert "Over the last 12 weeks, 1 of 3 promises were kept (1 kept, 1 partly, 1 missed)." in text
    assert text.index("Alex : plan a date") < text.index("Sam : put phones away at dinner")
    sam_page = page_text(client, f"/charts?partner={couple['sam']}")
    assert "plan a date" not in sam_page and "put phones away at dinner" in sam_page


# -- this week -------------------------------------------------------------------------------------
SUMMARY = ("This week: 3 debriefs, you both felt heard twice out of 3, Sam named rest twice;"
           " 1 partly kept, 2 open. Rituals: weekly meal once.")


def test_week_figures(conn, couple):
    # Alex's private "space" is left out; the promises due this week: one partly kept; two open now
    assert week_figures(conn, NOW) == {
        "debriefs": 3, "heard": [2, 3], "named": ["Sam", "rest", 2], "needs": ["rest"],
        "kept": 0, "partly": 1, "missed": 0, "made": 2, "open": 2, "rituals": {"weekly meal": 1}}


def test_today_card_and_the_weekly_review_say_the_same_words(app, client, couple, csrf):
    html = client.get("/").get_data(as_text=True)
    assert f'<p class="big" id="week-summary">{SUMMARY}</p>' in html
    started = client.post("/api/v1/routines", json={"routine": "weekly_review"}, headers={"X-CSRF-Token": csrf})
    assert started.status_code == 201
    assert started.get_json()["utterances"][0]["text"] == SUMMARY


def test_an_empty_database_says_what_to_do_next(client):
    for path in ("/", "/charts", "/history"):
        html = client.get(path).get_data(as_text=True)
        assert "Say “attune, start our nightly debrief”, or start" in html, path
        assert 'action="/routine/start"' in html and 'name="routine" value="debrief"' in html, path
        assert "%" not in page_text(client, path).replace("100%", ""), path
    assert "This week: no debriefs yet." in client.get("/").get_data(as_text=True)


def test_a_stored_review_of_this_week_reads_in_words(app, client, couple, csrf):
    client.post("/api/v1/routines", json={"routine": "weekly_review"}, headers={"X-CSRF-Token": csrf})
    for answer in ("the debriefs", "late nights", "start at nine", "you made tea", "you listened"):
        client.post("/api/v1/events", json={"text": answer, "source": "web"}, headers={"X-CSRF-Token": csrf})
    html = client.get("/").get_data(as_text=True)
    assert "<dt>Both felt heard</dt><dd>2 of 3 debriefs</dd>" in html
    assert "<dt>Named most</dt><dd>Sam: rest ×2</dd>" in html
    assert "<dt>Promises due</dt><dd>0 kept, 1 partly, 0 missed; 2 open</dd>" in html


def test_needs_and_requests_added_without_a_session_count_but_match_nothing(app, conn, couple):
    with app.extensions["attune.db"].write() as db:
        for kind, value in (("need", "rest"), ("request", "a nap")):
            db.execute("INSERT INTO entries (session_id, partner_id, kind, value, private, created_at)"
                       " VALUES (NULL, ?, ?, ?, 0, '2026-11-25T12:00:00Z')", (couple["alex"], kind, value))
    rest = trends.needs_by_month(conn, NOW, None)["needs"][0]
    assert (rest["need"], rest["total"], rest["recent"]) == ("rest", 5, 5)
    assert "a nap" not in rest["requests"] and rest["promises"] == {"kept": 0, "partly": 1, "missed": 1, "open": 2}
