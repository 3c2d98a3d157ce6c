"""Settings: partner names, routine timings, voice rate and volume, help-line locale, rituals.

Reads GET /api/v1/settings and saves with PATCH /api/v1/settings, in-process, so the
same validation and locking apply: a key set by the config file, an ATTUNE_*
environment variable or a flag is shown as locked and cannot be changed here.
"""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from server.web import bp
from server.web.api_client import ApiMissing, call_api, error_message

SOURCE_LABELS = {"file": "the config file", "env": "an ATTUNE_* environment variable",
                 "flag": "a command-line flag", "db": "this page", "default": "the default"}
HELPLINE_LOCALES = ("en-US", "en-GB", "en-IE", "en-CA", "en-AU", "en-NZ")
FIELDS = ("partners", "voice_rate", "voice_volume", "helpline_locale", "rituals", "routine_timings")


def _form_value(name: str) -> Any:
    """The submitted value of one setting, shaped like the API wants it."""
    form = request.form
    if name == "partners":
        return [form.get("partner_1", "").strip(), form.get("partner_2", "").strip()]
    if name == "rituals":
        return [r.strip() for r in form.get("rituals", "").split(",") if r.strip()]
    if name == "voice_rate":
        raw = form.get("voice_rate", "").strip()
        return int(raw) if raw.lstrip("-").isdigit() else raw
    if name == "voice_volume":
        raw = form.get("voice_volume", "").strip()
        try:
            return float(raw)
        except ValueError:
            return raw
    if name == "routine_timings":
        raw = form.get("routine_timings", "").strip() or "{}"
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return form.get(name, "").strip()


def default_timings(locale: str) -> list[tuple[str, int | None, list[tuple[str, int]]]]:
    """(routine, total seconds or None, [(step, budget seconds)]) from the routine scripts."""
    try:
        from server.routines import ROUTINES
        from server.routines.language import script
        from server.routines.timings import script_timings
    except ImportError:
        return []
    out = []
    for routine in ROUTINES:
        spec = script(routine, locale)
        steps = [(step, int(s) if float(s).is_integer() else s) for step, s in script_timings(spec).items()]
        out.append((routine, spec.get("total_s"), steps))
    return out


@bp.get("/settings")
def settings():
    try:
        status, data = call_api("GET", "/settings")
    except ApiMissing:
        status, data = 404, {}
    rows = data.get("settings", {}) if status == 200 else {}
    locale = current_app.config["ATTUNE_SETTINGS"].locale
    return render_template("settings.html", rows=rows, sources=SOURCE_LABELS, timings=default_timings(locale),
                           helpline_locales=HELPLINE_LOCALES, fields=FIELDS, to_json=json.dumps)


@bp.post("/settings")
def settings_save():
    status, data = call_api("GET", "/settings")
    rows = data.get("settings", {})
    changes = {}
    for name in FIELDS:
        row = rows.get(name)
        if not row or not row.get("editable") or name not in _submitted():
            continue
        value = _form_value(name)
        if value != row.get("value"):
            changes[name] = value
    if not changes:
        flash("Nothing changed.", "info")
        return redirect(url_for("web.settings"), 303)
    status, data = call_api("PATCH", "/settings", changes)
    if status >= 400:
        field = data.get("error", {}).get("field")
        flash((f"{field.replace('_', ' ')}: " if field else "") + error_message(data), "error")
    else:
        flash("Settings saved.", "info")
    return redirect(url_for("web.settings"), 303)


def _submitted() -> set[str]:
    names = set(request.form)
    if {"partner_1", "partner_2"} <= names:
        names.add("partners")
    return names
