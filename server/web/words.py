"""Words for people on every page: step titles instead of step ids (server/data/<locale>/titles.yaml)."""

from __future__ import annotations

from flask import current_app

from server.routines.titles import step_title
from server.web import bp


def locale() -> str:
    settings = current_app.config.get("ATTUNE_SETTINGS")
    return getattr(settings, "locale", None) or "en"


@bp.app_template_global("step_title")
def step_title_global(routine: str | None, step: str | None) -> str:
    return step_title(routine, step, locale())
