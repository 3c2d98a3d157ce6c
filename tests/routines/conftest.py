"""Fixtures for the routine tests: the app's API on a temporary database and a fake clock."""

from __future__ import annotations

import pytest

from server import create_app


@pytest.fixture
def api(settings, clock):
    app = create_app({"ATTUNE_SETTINGS": settings, "ATTUNE_CLOCK": clock, "TESTING": True})
    yield app.test_client(), app
    app.extensions["attune.db"].close()
