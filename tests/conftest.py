"""Shared fixtures: an app on a temporary database, a test client, settings."""

from __future__ import annotations

import pytest

from server import create_app
from server.settings import Settings


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(db_path=tmp_path / "attune.sqlite3", partners=("Alex", "Sam"))


@pytest.fixture
def app(settings):
    app = create_app({"ATTUNE_SETTINGS": settings, "TESTING": True})
    yield app
    app.extensions["attune.db"].close()


@pytest.fixture
def client(app):
    return app.test_client()
