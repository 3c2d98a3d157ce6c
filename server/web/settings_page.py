"""Settings: partner names, routine timings, voice rate and volume, help-line locale, rituals.

Reads GET /api/v1/settings and saves with PATCH /api/v1/settings, in-process, so the
same validation and locking apply: a key set by the config file, an ATTUNE_*
environment variable or a flag is shown as locked and cannot be changed here.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from server.web import bp, partners
from intents.names import WEEKDAYS
from server.web.api_client import call_api, error_message
from server.web.pages import ROUTINE_LABELS
from server.web.timings_form import form_timings, readable, submitted as timings_submitted, timing_rows

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
        return form_timings(form, current_app.config["ATTUNE_SETTINGS"].locale)
    return form.get(name, "").strip()


@bp.get("/settings")
def settings():
    status, data = call_api("GET", "/settings")
    rows = data.get("settings", {}) if status == 200 else {}
    locale = current_app.config["ATTUNE_SETTINGS"].locale
    own = rows.get("routine_timings", {}).get("value") if rows else None
    return render_template("settings.html", rows=rows, sources=SOURCE_LABELS, timings=timing_rows(locale, own),
                           helpline_locales=HELPLINE_LOCALES, fields=FIELDS)


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
        message = error_message(data)
        if field == "routine_timings":
            names = [p["name"] for p in partners()]
            message = readable(message, current_app.config["ATTUNE_SETTINGS"].locale, names, ROUTINE_LABELS)
        flash((f"{field.replace('_', ' ')}: " if field else "") + message, "error")
    else:
        flash("Settings saved.", "info")
    return redirect(url_for("web.settings"), 303)


def _submitted() -> set[str]:
    names = set(request.form)
    if {"partner_1", "partner_2"} <= names:
        names.add("partners")
    if timings_submitted(request.form):
        names.add("routine_timings")
    return names


# -- the daily rhythm: reminder schedule (GET/PUT /api/v1/schedule) ------------------------------

SCHEDULE_TIMES = ("debrief_time", "review_time", "quiet_start", "quiet_end")
SCHEDULE_NUMBERS = ("max_snoozes", "snooze_minutes")


@bp.app_template_global()
def rhythm() -> dict[str, Any]:
    """The schedule and reminders for a page: {"schedule", "upcoming", "waiting", "skipped"} (empty if absent)."""
    _, schedule = call_api("GET", "/schedule")
    _, reminders = call_api("GET", "/reminders?limit=60")
    skipped = [r for r in reminders.get("history", []) if r["status"] == "skipped"]
    upcoming, kinds = [], set()
    for reminder in reminders.get("upcoming", []):  # the next one of each kind, soonest first
        if reminder["kind"] not in kinds:
            kinds.add(reminder["kind"])
            upcoming.append(reminder)
    return {"schedule": schedule, "upcoming": upcoming,
            "waiting": reminders.get("waiting"), "skipped": skipped[:7]}


def _schedule_form() -> dict[str, Any]:
    """The submitted schedule: an empty time means "none" (null), numbers as numbers."""
    form = request.form
    changes: dict[str, Any] = {}
    for name in SCHEDULE_TIMES:
        if name in form:
            value = form.get(name, "").strip()
            changes[name] = value or (None if name != "review_time" else "")
    if "review_day" in form:
        day = form.get("review_day", "").strip()
        changes["review_day"] = day if day in WEEKDAYS else None
    for name in SCHEDULE_NUMBERS:
        raw = form.get(name, "").strip()
        if raw:
            changes[name] = int(raw) if raw.isdigit() and len(raw) < 4 else raw
    version = form.get("version", "").strip()
    if version.isdigit() and len(version) < 10:
        changes["version"] = int(version)
    return changes


@bp.post("/settings/schedule")
def schedule_save():
    status, data = call_api("PUT", "/schedule", _schedule_form())
    if status >= 400:
        field = data.get("error", {}).get("field")
        flash((f"{field.replace('_', ' ')}: " if field else "") + error_message(data), "error")
    else:
        flash("Reminder schedule saved.", "info")
    return redirect(url_for("web.settings") + "#rhythm", 303)
