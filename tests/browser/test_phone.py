"""A partner's own phone, in headless Chromium at 390 px, against a real `attune serve --lan`
(HTTPS on 127.0.0.2 standing in for the home network; the self-signed certificate is accepted
the way a user accepts it after checking its fingerprint)."""

from __future__ import annotations

import json
import urllib.request

import pytest
from browser_helpers import shot

pytestmark = pytest.mark.browser

ANSWERS = ("lonely", "belonging", "an evening walk without our phones")
PASSCODE = "harbour-lights-3"


def _api(method: str, url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method=method,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=15) as response:
        return json.loads(response.read())


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  ignore_https_errors=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 390


def test_pair_a_phone_then_answer_an_inventory_privately(phone, lan_server):
    _api("PUT", f"{lan_server}/api/v1/privacy/passcode", {"partner": "Sam", "passcode": PASSCODE})
    link = _api("POST", f"{lan_server}/api/v1/pairing", {"partner": "Sam"})["url"]

    phone.goto(link)
    assert _fits(phone)
    phone.get_by_role("button", name="Pair as Sam").tap()
    phone.wait_for_url("**/routine")
    assert "This is Sam's phone." in phone.inner_text("header")
    assert phone.locator("#viewer").count() == 0  # no "viewing as" switch: the phone is Sam
    assert _fits(phone)

    phone.get_by_role("button", name="Needs inventory").tap()
    phone.wait_for_selector("text=Answering as")
    for text in (f"I feel {ANSWERS[0]}", f"I need {ANSWERS[1]}", ANSWERS[2], "keep it private"):
        send = phone.get_by_role("button", name="Send")
        box = send.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 300  # a thumb-sized target across the screen
        phone.fill("#text", text)
        with phone.expect_navigation():  # the form posts and redirects: wait for that page, not just quiet
            send.tap()
        phone.wait_for_load_state("networkidle")
    shot(phone, "phone-inventory-done")
    assert _fits(phone)

    # On the main machine: three private entries of Sam's, locked; the file and WAL hold no answer.
    with urllib.request.urlopen(f"{lan_server}/api/v1/entries?as=Sam", timeout=15) as response:
        entries = json.loads(response.read())["entries"]
    assert [(e["partner"], e["kind"], e["private"], e["value"]) for e in entries] == [
        ("Sam", "feeling", True, None), ("Sam", "need", True, None), ("Sam", "request", True, None)]
    wal = lan_server.db_path.with_name(lan_server.db_path.name + "-wal")
    raw = (lan_server.db_path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")).lower()
    assert not [a for a in ANSWERS if a.encode() in raw]

    # On the phone, Sam's passcode opens them.
    phone.goto(lan_server.lan_url + "/privacy")
    assert _fits(phone)
    phone.fill("#unlock-passcode", PASSCODE)
    phone.get_by_role("button", name="Unlock").tap()
    phone.wait_for_url("**/history")
    assert ANSWERS[2] in phone.inner_text("main")
    assert _fits(phone)
    shot(phone, "phone-history-unlocked")
    assert phone.console_errors == []
