"""Help and safety: the local help lines, one step from every page's footer, tied to no session."""

from __future__ import annotations

from flask import current_app, render_template

from server.routines.language import helplines
from server.web import bp

HEADINGS = {
    "emergency": "In an emergency",
    "crisis": "Someone to talk to, any time",
    "abuse": "Support about a relationship, in confidence",
    "general": "Other help",
}


@bp.get("/help")
def help_page():
    # The settings page saves into this same Settings object, so a changed locale shows at once.
    locale = current_app.config["ATTUNE_SETTINGS"].helpline_locale
    groups = [(HEADINGS[kind], [h for h in helplines(locale) if h.kind == kind]) for kind in HEADINGS]
    return render_template("help.html", groups=[(title, lines) for title, lines in groups if lines],
                           helpline_locale=locale)
