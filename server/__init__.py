"""The attune state service: a Flask app that owns all state and runs the routines."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Mapping

from typing import TYPE_CHECKING

from attune.settings import Settings, check_settings, load_settings, with_stored
from server.routines.timings import SETTING_CHECKS

if TYPE_CHECKING:  # Flask loads only when an app is built, so `attune parse` stays light.
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app.

    `config` may hold ATTUNE_SETTINGS (a Settings), ATTUNE_SETTING_SOURCES (which layer set
    each key), DB_PATH, ATTUNE_CLOCK (a callable returning wall-clock seconds; default
    time.time) or any Flask key.
    """
    from flask import Flask

    from server import http_errors, security
    from server.db import Database
    from server.api import bp as api_bp
    from server.store import Store
    from server.web import bp as web_bp

    config = dict(config or {})
    settings: Settings | None = config.pop("ATTUNE_SETTINGS", None)
    sources = dict(config.pop("ATTUNE_SETTING_SOURCES", {}) or {})
    if settings is None:
        loaded = load_settings(checks=SETTING_CHECKS)
        settings, sources = loaded.settings, dict(loaded.sources)
    clock = config.pop("ATTUNE_CLOCK", None) or time.time
    if "DB_PATH" in config:
        settings = replace(settings, db_path=Path(config.pop("DB_PATH")))
    check_settings(settings, SETTING_CHECKS)

    app = Flask(__name__)
    app.json.sort_keys = False
    app.config.update(
        ATTUNE_BASE_SETTINGS=settings,
        ATTUNE_BASE_SOURCES=dict(sources),
        ATTUNE_SETTINGS=settings,
        ATTUNE_SETTING_SOURCES=sources,
        MAX_CONTENT_LENGTH=settings.max_body_bytes,
        SESSION_COOKIE_NAME="attune_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        MAX_FORM_MEMORY_SIZE=settings.max_body_bytes,
    )
    app.config.update(config)
    # Personal text must never reach logs; keep werkzeug/waitress access lines out too.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    db = Database(settings.db_path)
    db.migrate()
    store = Store(db, settings, clock)
    # Settings edited through the API/web page sit above defaults and below file/env/flags.
    settings, sources, problems = with_stored(settings, sources, store.stored_settings(), SETTING_CHECKS)
    for key in problems:
        app.logger.warning("ignoring the stored value of setting %r: it is no longer valid", key)
    store.settings = settings
    app.config.update(ATTUNE_SETTINGS=settings, ATTUNE_SETTING_SOURCES=sources)
    store.sync_partners(settings.partners)
    store.prune_idempotency()
    from server.sealing import seal_plain_private
    seal_plain_private(store)
    app.extensions["attune.db"] = db
    app.extensions["attune.store"] = store
    app.extensions["attune.clock"] = clock
    app.secret_key = store.secret_key()

    http_errors.init_app(app)
    from server.api.validation import IdConverter
    app.url_map.converters["id"] = IdConverter
    security.init_app(app)
    from server import privacy
    if settings.lan and settings.lan_host:
        host = f"[{settings.lan_host}]" if ":" in settings.lan_host else settings.lan_host
        app.config.setdefault("ATTUNE_LAN_URL", f"https://{host}:{settings.lan_port}")
    privacy.init_app(app)
    app.register_blueprint(api_bp)
    app.register_blueprint(web_bp)
    return app
