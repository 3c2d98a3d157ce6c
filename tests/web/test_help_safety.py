"""Help and safety: one step from every page's footer, local help lines, tied to no session."""

from __future__ import annotations

import re

import pytest

from server import create_app
from server.routines.language import helplines
from attune.settings import Settings


def page_paths(app) -> list[str]:
    """Every page of the web interface that takes no argument (GET, HTML)."""
    return sorted(str(rule.rule) for rule in app.url_map.iter_rules()
                  if rule.endpoint.startswith("web.") and "GET" in rule.methods and not rule.arguments
                  and not rule.rule.startswith("/assets"))


def footer(html: str) -> str:
    return html[html.index("<footer"):html.index("</footer>")]


def test_every_page_links_help_and_safety_in_its_footer(client, seeded, app):
    paths = page_paths(app)
    assert {"/", "/history", "/routine", "/settings", "/data", "/help"} <= set(paths)
    for path in paths:
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        assert response.status_code == 200, path
        assert re.search(r'<a href="/help">Help and safety</a>', footer(response.get_data(as_text=True))), path


@pytest.mark.parametrize("locale,present,absent", [
    ("en-US", ["988", "1 800 799 7233", "911"], ["Samaritans"]),
    ("en-GB", ["Samaritans", "116 123", "0808 2000 247", "999"], ["988"]),
    ("en-AU", ["Lifeline", "1800RESPECT", "000"], ["988"]),
    ("xx-XX", ["findahelpline.com"], ["988", "Samaritans"]),
])
def test_help_page_lists_the_local_help_lines(tmp_path, locale, present, absent):
    settings = Settings(db_path=tmp_path / "a.sqlite3", partners=("Alex", "Sam"), helpline_locale=locale)
    app = create_app({"ATTUNE_SETTINGS": settings, "TESTING": True})
    try:
        page = app.test_client().get("/help").get_data(as_text=True)
    finally:
        app.extensions["attune.db"].close()
    main = page[page.index("<main"):page.index("</main>")]
    for line in helplines(locale):
        assert line.name in main and line.contact in main
    assert all(p in main for p in present) and not any(a in main for a in absent)


def test_help_page_follows_a_changed_locale_and_needs_no_session(app, client, csrf):
    assert "988" in client.get("/help").get_data(as_text=True)
    form = {"csrf_token": csrf, "partner_1": "Alex", "partner_2": "Sam", "voice_rate": "165",
            "voice_volume": "0.9", "helpline_locale": "en-GB", "rituals": "", "routine_timings": "{}"}
    client.post("/settings", data=form)
    fresh = app.test_client()                 # a new visitor: no cookie, no routine, no session
    page = fresh.get("/help").get_data(as_text=True)
    assert "Samaritans" in page and "988" not in page
