"""The pages read right without JavaScript: dashboard, history, charts, viewing-as."""

from __future__ import annotations

import pytest
from web_seed import PRIVATE_TEXT


def text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def view_as(client, csrf, partner_id) -> None:
    response = client.post("/viewing-as", data={"csrf_token": csrf, "viewer": str(partner_id), "next": "/"})
    assert response.status_code == 303


def test_dashboard_with_seeded_data(client, seeded):
    html = text(client.get("/"))
    assert "Alex" in html and "Sam" in html
    assert "3 of the last 7 nights" in html
    assert "put phones away at dinner" in html          # the open promise
    assert "call when running late" not in html         # kept, so not open
    assert "talking after dinner" in html               # last weekly review
    assert "<dt>Promises kept</dt><dd>1 of 2</dd>" in html and "weekly meal ×1" in html
    assert "Rituals this week: weekly meal." in html
    assert "Not yet" in html                            # nothing tonight (fixed clock)
    for landmark in ('<main id="main"', '<nav aria-label="Main"', 'class="skip-link"', 'lang="en"'):
        assert landmark in html


def test_dashboard_on_an_empty_database_does_not_shame(client):
    html = text(client.get("/"))
    assert "No debriefs yet" in html
    assert "missed" not in html.lower()


def test_every_page_renders_and_sets_the_strict_csp(client, seeded):
    for path in ("/", "/history", "/charts", "/charts?days=90", "/routine", "/phrases", "/settings",
                 "/data", "/data/delete"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        html = response.get_data(as_text=True)
        assert "<script>" not in html and " style=" not in html, path


def test_history_hides_private_entries_except_in_the_owners_view(client, seeded, csrf):
    together = text(client.get("/history"))
    assert PRIVATE_TEXT not in together
    assert "private entries hidden" in together or "private entry hidden" in together
    view_as(client, csrf, seeded["alex"])
    alex = text(client.get("/history"))
    assert PRIVATE_TEXT in alex and "tag-private" in alex
    view_as(client, csrf, seeded["sam"])
    assert PRIVATE_TEXT not in text(client.get("/history"))


def test_history_filters_by_partner_and_routine(client, seeded):
    html = text(client.get(f"/history?partner={seeded['sam']}&routine=debrief"))
    assert "rest" in html and "thanks for cooking" not in html  # only Sam's entries
    assert "Needs inventory" not in html.split("</form>", 2)[-1]
    html = text(client.get("/history?routine=inventory"))
    assert "1 session." in html
    assert client.get("/history?page=abc&partner=x").status_code == 200
    assert client.get("/history?routine=bogus&page=99").status_code == 200


def test_charts_are_labelled_svg_and_respect_privacy(client, seeded, csrf):
    html = text(client.get("/charts"))
    assert '<svg class="chart bars"' in html and 'role="img"' in html
    assert "<title id=\"chart-1-feeling-t\">Alex&#39;s feelings, last 30 days</title>" in html
    assert "grateful: 2" in html and "anxious" not in html
    assert "chart-promises" in html and "1 kept" in html
    # Private words are sealed, so no view counts them, not even their owner's (issue 21).
    view_as(client, csrf, seeded["alex"])
    assert "anxious" not in text(client.get("/charts?days=90"))


def test_user_text_is_escaped(app, client, seeded):
    with app.extensions["attune.db"].write() as conn:
        conn.execute("UPDATE entries SET value = '<script>alert(1)</script>' WHERE kind = 'appreciation'")
    html = text(client.get("/history"))
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_viewing_as_needs_csrf_and_never_redirects_off_site(client, seeded, csrf):
    assert client.post("/viewing-as", data={"viewer": "together"}).status_code == 403
    response = client.post("/viewing-as", data={"csrf_token": csrf, "viewer": "together",
                                                "next": "//evil.example/"})
    assert response.headers["Location"] == "/"


def test_mark_a_promise_from_the_dashboard(app, client, seeded, csrf):
    pytest.importorskip("server.api.commitments", reason="the commitments API is not in this build")
    promise = app.extensions["attune.db"].read().execute(
        "SELECT id, version FROM commitments WHERE status = 'open'").fetchone()
    response = client.post(f"/promises/{promise['id']}", data={"csrf_token": csrf, "status": "kept",
                                                               "version": str(promise["version"])},
                           follow_redirects=True)
    page = text(response)
    assert "Marked as kept: put phones away at dinner" in page and "No open promises." in page
    stale = client.post(f"/promises/{promise['id']}", data={"csrf_token": csrf, "status": "missed",
                                                            "version": str(promise["version"])},
                        follow_redirects=True)
    assert 'flash-error' in text(stale)  # the page was out of date: nothing overwritten
    status = app.extensions["attune.db"].read().execute(
        "SELECT status FROM commitments WHERE id = ?", (promise["id"],)).fetchone()[0]
    assert status == "kept"
