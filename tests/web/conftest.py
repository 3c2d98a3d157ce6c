"""Web page fixtures: an app with a fixed clock and a seeded couple."""

from __future__ import annotations

import re

import pytest

from server import create_app
from web_seed import NOW, seed_couple


@pytest.fixture
def app(settings):
    app = create_app({"ATTUNE_SETTINGS": settings, "TESTING": True, "ATTUNE_CLOCK": NOW.timestamp})
    yield app
    app.extensions["attune.db"].close()


@pytest.fixture
def seeded(app):
    db = app.extensions["attune.db"]
    with db.write() as conn:
        return seed_couple(conn, NOW)


def csrf_of(client) -> str:
    """Load a page and return the CSRF token from its <meta> tag."""
    html = client.get("/data").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


@pytest.fixture
def csrf(client):
    return csrf_of(client)
