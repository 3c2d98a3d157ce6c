"""The web page in real headless Chromium against a real `attune serve` with seeded data."""

from __future__ import annotations

import io
import json
import urllib.request
import zipfile

import pytest
from browser_helpers import shot

pytestmark = pytest.mark.browser


def test_dashboard_shows_the_seeded_couple(page, web_server):
    page.goto(web_server.url + "/")
    assert page.title() == "Today · attune"
    assert page.locator(".couple").inner_text() == "Alex & Sam"
    assert "3 of the last 7 nights" in page.locator("#streak-h + p").inner_text()
    assert "put phones away at dinner" in page.locator("#promises-h ~ ul").inner_text()
    assert "talking after dinner" in page.inner_text("main")
    shot(page, "dashboard-desktop")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.console_errors == []


UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea, button')]
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML)"""


def test_phone_width_no_sideways_scrolling_and_every_control_labelled(page, web_server):
    page.set_viewport_size({"width": 375, "height": 800})
    for path, name in (("/", "dashboard-phone"), ("/history", "history-phone"), ("/charts", "charts-phone"),
                       ("/routine", "routine-phone"), ("/phrases", "phrases-phone"),
                       ("/settings", "settings-phone"), ("/data", "data-phone")):
        page.goto(web_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
        assert page.evaluate(UNLABELLED) == [], path
        assert page.locator("main h1").count() == 1, path
        shot(page, name)


def test_chart_is_visible_and_labelled(page, web_server):
    page.goto(web_server.url + "/charts")
    chart = page.locator("#chart-1-feeling")
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 40
    assert page.locator("#chart-1-feeling-t").text_content() == "Alex's feelings, last 30 days"
    assert chart.locator("rect").count() >= 2
    assert page.locator("#chart-promises").is_visible()
    shot(page, "charts-desktop")


def test_history_private_entry_only_in_owners_view(page, web_server):
    page.goto(web_server.url + "/history")
    assert "a private worry about work" not in page.inner_text("main")
    page.select_option("#viewer", label="Alex")
    page.click(".viewing-as button")
    page.wait_for_url("**/history")
    assert "a private worry about work" in page.inner_text("main")
    page.select_option("#viewer", label="Together")
    page.click(".viewing-as button")
    assert "a private worry about work" not in page.inner_text("main")


def test_debrief_step_run_from_the_page(page, web_server):
    page.goto(web_server.url + "/routine")
    page.get_by_role("button", name="Nightly debrief").click()
    page.wait_for_selector("[data-field=step]")
    first_step = page.locator("[data-field=step]").get_attribute("data-step")
    assert page.locator("[data-field=step]").inner_text() == "Is now a good time?"   # a title, not "ready.1"
    assert page.locator("[data-field=prompt]").inner_text()
    assert page.get_by_role("button", name="Yes").is_visible()
    shot(page, "routine-step-1")
    page.get_by_role("button", name="Yes").click()  # sent by app.js with fetch + X-CSRF-Token
    page.wait_for_function(
        "first => document.querySelector('[data-field=step]') &&"
        " document.querySelector('[data-field=step]').dataset.step !== first", arg=first_step, timeout=10000)
    assert page.locator("[data-utterances] li").count() >= 2   # prompts followed live
    shot(page, "routine-step-2")
    page.get_by_role("button", name="Pause").click()
    page.wait_for_selector("[data-field=paused]", timeout=10000)
    page.get_by_role("button", name="Stop").click()
    page.wait_for_selector("#start-h", timeout=10000)
    assert page.console_errors == []


def test_debrief_step_without_javascript(browser, web_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(web_server.url + "/routine")
        page.get_by_role("button", name="Nightly debrief").click()
        first_step = page.locator("[data-field=step]").get_attribute("data-step")
        page.get_by_role("button", name="Yes").click()
        assert page.locator("[data-field=step]").get_attribute("data-step") != first_step
        page.get_by_role("button", name="Stop").click()
        assert page.locator("#start-h").is_visible()
    finally:
        context.close()


def test_export_downloads_parse(page, web_server):
    page.goto(web_server.url + "/data")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download JSON").click()
    data = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert info.value.suggested_filename.endswith(".json")
    assert len([s for s in data["tables"]["sessions"] if s["routine"] == "debrief"]) >= 4
    with page.expect_download() as info:
        page.get_by_role("link", name="Download CSV (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(open(info.value.path(), "rb").read()))
    assert "entries.csv" in archive.namelist()
    assert archive.read("entries.csv").decode("utf-8").startswith("id,session_id,partner_id,kind,value")


def test_delete_everything_after_confirmation(page, web_server):
    page.goto(web_server.url + "/data")
    page.get_by_role("link", name="Delete everything…").click()
    page.get_by_role("button", name="Delete everything").click()  # empty: the browser refuses
    assert page.url.endswith("/data/delete")
    page.fill("#confirm", "delete everythin")
    page.get_by_role("button", name="Delete everything").click()
    assert "Nothing was deleted" in page.inner_text("main")
    shot(page, "delete-confirm")
    page.fill("#confirm", "delete everything")
    page.get_by_role("button", name="Delete everything").click()
    page.wait_for_url(web_server.url + "/")
    assert "Everything was deleted" in page.inner_text("main")
    assert "No debriefs yet" in page.inner_text("main")
    response = page.request.get(web_server.url + "/api/v1/export?format=json")
    assert response.json()["tables"]["sessions"] == []


def voice(url: str, path: str, body: dict) -> dict:
    """A request as the voice loop sends it: JSON, no cookies, no CSRF token."""
    request = urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def test_page_follows_the_voice_loop_live(page, web_server):
    page.goto(web_server.url + "/routine")
    assert page.locator("#start-h").is_visible()
    started = voice(web_server.url, "/api/v1/routines", {"routine": "debrief"})
    page.wait_for_selector("[data-field=step]", timeout=10000)   # the page noticed and redrew
    assert page.locator("[data-field=step]").get_attribute("data-step") == started["routine"]["step"]
    said = page.locator("[data-utterances] li")
    before = said.count()
    answered = voice(web_server.url, "/api/v1/events",
                     {"intent": "Yes", "partner": started["routine"]["partner"], "source": "voice"})
    page.wait_for_function(
        "step => document.querySelector('[data-field=step]') &&"
        " document.querySelector('[data-field=step]').dataset.step === step",
        arg=answered["routine"]["step"], timeout=10000)
    assert said.count() > before
    assert answered["utterances"][-1]["text"].split(",")[0] in page.inner_text("[data-utterances]")
    assert page.console_errors == []


def test_phrase_library_and_settings(page, web_server):
    page.goto(web_server.url + "/phrases?category=calm")
    page.get_by_role("button", name="Save as a favourite: Let's both take a slow breath.").click()
    assert "Saved to favourites." in page.inner_text("main")
    assert "Let's both take a slow breath." in page.inner_text("#fav-h + ul")
    page.fill("#new-text", "Hand on heart, one breath.")
    page.get_by_role("button", name="Add", exact=True).click()
    assert "Hand on heart, one breath." in page.inner_text("#cat-calm + ul")
    shot(page, "phrases-desktop")
    page.goto(web_server.url + "/settings")
    page.fill("#voice_rate", "150")
    page.select_option("#helpline_locale", "en-GB")
    page.get_by_role("button", name="Save settings").click()
    assert "Settings saved." in page.inner_text("main")
    assert page.input_value("#voice_rate") == "150"
    shot(page, "settings-desktop")
