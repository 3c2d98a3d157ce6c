"""Real headless Chromium (Debian's /usr/bin/chromium via playwright) against a real `attune serve`.

The server is the shared `live_server` fixture (a subprocess on a free port with a
temporary database), seeded here with a known couple's history. Screenshots go to
tests/artifacts/ (git-ignored). Skipped only if Chromium is missing.
"""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "web")]

from browser_helpers import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from web_seed import seed_db_file  # noqa: E402


@pytest.fixture
def web_server(live_server):
    """The running server, its database seeded (WAL: safe while it runs)."""
    ids = seed_db_file(live_server.db_path, datetime.now(timezone.utc))
    return SimpleNamespace(url=live_server.url, db_path=live_server.db_path, ids=ids)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.console_errors = errors
    yield page
    context.close()
