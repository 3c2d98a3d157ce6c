"""Settings: the effective value of every key with the layer that set it; edit the editable ones.

Layers, later winning: default < db (edited here or on the web page) < file < env < flag.
A key set by the file, the environment or a flag is locked: changing it here is a 409
naming the key and its source.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from attune.settings import (EDITABLE_SETTINGS, SECRET_SETTINGS, SETTING_NAMES, SettingsError, coerce_setting,
                             to_json, with_stored)
from server.api import bp
from server.api.common import store
from server.api.idempotency import idempotent
from server.api.validation import Int, Json, List, Num, Str, json_body, query
from server.errors import ApiError
from server.routines.timings import SETTING_CHECKS

SOURCE_LABELS = {"file": "the config file", "env": "an ATTUNE_* environment variable", "flag": "a command-line flag"}
PATCH_FIELDS = {
    "partners": List(Str(max_len=40, multiline=False), min_items=2, max_items=2),
    "rituals": List(Str(max_len=40, multiline=False), max_items=20),
    "voice": Str(max_len=200, multiline=False, nullable=True),
    "voice_rate": Int(minimum=40, maximum=400),
    "voice_volume": Num(minimum=0.0, maximum=1.0),
    "helpline_locale": Str(max_len=20, multiline=False),
    "locale": Str(max_len=20, multiline=False),
    "routine_timings": Json(max_bytes=16 * 1024),
}
assert set(PATCH_FIELDS) == set(EDITABLE_SETTINGS)


def settings_view() -> dict[str, Any]:
    """{"settings": {key: {"value", "source", "editable"}}} for every setting."""
    settings = current_app.config["ATTUNE_SETTINGS"]
    sources = current_app.config["ATTUNE_SETTING_SOURCES"]
    out = {}
    for name in SETTING_NAMES:
        value = to_json(name, getattr(settings, name))
        if name in SECRET_SETTINGS and value is not None:
            value = "********"
        source = sources.get(name, "default")
        out[name] = {"value": value, "source": source,
                     "editable": name in EDITABLE_SETTINGS and source in ("default", "db")}
    return {"settings": out}


def change_settings(changes: dict[str, Any]) -> dict[str, Any]:
    """Validate, store and apply edited settings in one transaction (also used by the web page).

    Raises ApiError 400 for a bad value or a key that is not editable, 409 for a key locked
    by the config file, the environment or a flag.
    """
    base_sources = current_app.config["ATTUNE_BASE_SOURCES"]
    coerced = {}
    for name, value in changes.items():
        if name not in EDITABLE_SETTINGS:
            raise ApiError(400, f"{name}: cannot be changed here (editable: {', '.join(EDITABLE_SETTINGS)})",
                           name, "not_editable")
        source = base_sources.get(name)
        if source in SOURCE_LABELS:
            raise ApiError(409, f"{name} is set by {SOURCE_LABELS[source]} ({source}); change it there",
                           name, "locked_setting")
        try:
            coerced[name] = to_json(name, coerce_setting(name, value, "request", SETTING_CHECKS))
        except SettingsError as exc:
            raise ApiError(400, str(exc).replace("request: setting ", ""), name, "invalid") from None
    with store().db.write():
        store().save_settings(coerced)
        reload_settings()
    return settings_view()


def reload_settings() -> None:
    """Recompute the effective settings from file/env/flags and the stored ones, and apply them
    (call after anything changes the settings table, e.g. deleting all data)."""
    app_store = store()
    with app_store.db.write():
        settings, sources, _ = with_stored(current_app.config["ATTUNE_BASE_SETTINGS"],
                                           current_app.config["ATTUNE_BASE_SOURCES"], app_store.stored_settings(),
                                           SETTING_CHECKS)
        app_store.sync_partners(settings.partners)
    app_store.settings = settings
    current_app.config.update(ATTUNE_SETTINGS=settings, ATTUNE_SETTING_SOURCES=sources)


@bp.get("/settings")
def get_settings():
    query({})
    return settings_view()


@bp.patch("/settings")
@idempotent
def patch_settings():
    return change_settings(json_body(PATCH_FIELDS, partial=True, min_fields=1))
