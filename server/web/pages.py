"""Read pages: today's dashboard and history, and the "viewing as" switch (charts: trends_page.py)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import redirect, render_template, request, session

from intents.names import ROUTINES
from server import history as listings
from server.web import bp, db, now, partners, queries, safe_next, store, viewer
from server.routines.language import language
from server.routines.summary import week_summary
from server.trends.week import week_figures
from server.web.routine_page import routine_view
from server.web.words import locale

STATUS_LABELS = {"stopped": "ended early", "abandoned": "ended early", "active": "in progress"}
KIND_LABELS = {
    "feeling": "Feeling", "need": "Need", "request": "Request", "appreciation": "Appreciation",
    "answer": "Answer", "reflection": "Reflected back", "heard": "Felt heard", "win": "Small win",
    "hardest": "Hardest today", "rupture": "What happened", "impact": "Impact",
    "worked": "What worked", "didnt_work": "What didn't", "adjust": "Adjust", "note": "Note",
}
ROUTINE_LABELS = {
    "debrief": "Nightly debrief", "repair": "Rupture and repair", "inventory": "Needs inventory",
    "timeout": "Time-out", "weekly_review": "Weekly review",
}


@bp.app_template_filter("when")
def _when(value: str | None) -> str:
    """A stored UTC time as a short local time, e.g. "Thu 26 Nov, 21:30"."""
    if not value:
        return ""
    try:
        moment = queries.parse_iso(value).astimezone()
    except ValueError:
        return value
    return f"{moment:%a} {moment.day} {moment:%b %Y}, {moment:%H:%M}"


@bp.app_template_filter("day")
def _day(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{value:%a} {value.day} {value:%b %Y}"


@bp.app_template_filter("clock")
def _clock(seconds: float | int | None) -> str:
    """Seconds as m:ss."""
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@bp.app_template_global()
def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, kind.replace("_", " ").capitalize())


@bp.app_template_global()
def status_label(status: str) -> str:
    """How History names a session's end. Every early end, a safety stop too, reads the same."""
    return STATUS_LABELS.get(status, status.replace("_", " "))


@bp.app_template_global()
def routine_label(routine: str) -> str:
    return ROUTINE_LABELS.get(routine, routine.replace("_", " ").capitalize())


def streak_sentence(streak: queries.Streak) -> str:
    """Counts what was done; a missed night is never called a failure."""
    if streak.total == 0:
        return "No debriefs yet. Tonight can be the first one."
    if streak.nights_7 == 0:
        return f"{streak.total} debriefs so far. Whenever you're ready, tonight is a good night for one."
    return (f"You talked {streak.nights_7} of the last 7 nights"
            f" ({streak.nights_30} of the last 30).")


def review_lines(figures: dict) -> list[tuple[str, str]]:
    """The weekly review's figures as (label, text) rows; unknown keys are shown as they are."""
    figures = dict(figures or {})
    lines = []
    if "debriefs" in figures:
        lines.append(("Debriefs done", str(figures.pop("debriefs"))))
    if "needs" in figures:
        needs = figures.pop("needs") or []
        lines.append(("Needs most named", ", ".join(map(str, needs)) or "none named"))
    heard = figures.pop("heard", None)
    if isinstance(heard, list) and len(heard) == 2 and heard[1]:
        lines.append(("Both felt heard", f"{heard[0]} of {heard[1]} debriefs"))
    named = figures.pop("named", None)
    if isinstance(named, list) and len(named) == 3:
        lines.append(("Named most", f"{named[0]}: {named[1]} ×{named[2]}"))
    if "partly" in figures:  # figures from week_figures: promises by the week they were due
        outcomes = ", ".join(f"{figures.pop(k, 0)} {k}" for k in ("kept", "partly", "missed"))
        lines.append(("Promises due", f"{outcomes}; {figures.pop('open', 0)} open"))
        figures.pop("made", None)
    elif "kept" in figures or "made" in figures:
        lines.append(("Promises kept", f"{figures.pop('kept', 0)} of {figures.pop('made', 0)}"))
    if "rituals" in figures:
        rituals = figures.pop("rituals") or {}
        text = ", ".join(f"{name} ×{n}" for name, n in rituals.items()) if isinstance(rituals, dict) else str(rituals)
        lines.append(("Rituals", text or "none logged"))
    for key, value in figures.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in value.items())
        elif isinstance(value, list):
            value = ", ".join(map(str, value))
        lines.append((str(key).replace("_", " ").capitalize(), str(value)))
    return lines


@bp.get("/")
def dashboard():
    conn, moment, data = db().read(), now(), store()
    streak = queries.streak(data, moment)
    review = queries.last_weekly_review(data)
    return render_template(
        "dashboard.html",
        tonight=queries.tonight(data, moment),
        streak=streak,
        streak_text=streak_sentence(streak),
        promises=queries.open_promises(data),
        rituals=queries.rituals_since(data, moment - timedelta(days=7)),
        review=review,
        review_lines=review_lines(review["figures"]) if review else [],
        routine=routine_view(),
        week_text=week_summary(week_figures(conn, moment), language(locale())),
    )


def int_arg(name: str) -> int | None:
    """A whole-number query parameter; anything else counts as not given (pages stay forgiving)."""
    raw = request.args.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


@bp.get("/history")
def history():
    partner_list = partners()
    partner_id = int_arg("partner")
    if partner_id is not None and partner_id not in {p["id"] for p in partner_list}:
        partner_id = None
    routine = request.args.get("routine") or None
    if routine not in (None, *ROUTINES):
        routine = None
    me = viewer(partner_list)
    page = listings.history(db().read(), me["id"] if me else None, partner_id, routine,
                            int_arg("page") or 1)
    return render_template("history.html", page=page, partner_id=partner_id, routine=routine,
                           routines=ROUTINES)


@bp.post("/viewing-as")
def viewing_as():
    wanted = request.form.get("viewer", "together")
    session["viewer"] = next((p["id"] for p in partners() if str(p["id"]) == wanted), None)
    return redirect(safe_next(request.form.get("next")), 303)
