"""Settings: partner names, routine timings, voice rate and volume, help-line locale."""

from __future__ import annotations

from flask import current_app, render_template

from server.web import bp


@bp.get("/settings")
def settings():
    return render_template("settings.html", settings=current_app.config["ATTUNE_SETTINGS"],
                           sources=current_app.config.get("ATTUNE_SETTING_SOURCES", {}))
