"""Drive a routine from the page without JavaScript.

The forms post here; each handler calls the routines API's own view in-process
(same runner, same store, same validation, same idempotency), then redirects
back with what attune said. static/app.js follows the voice loop live by
polling GET /api/v1/routine and /api/v1/utterances.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from server.web import bp, db, partners, safe_next
from server.web.api_client import call_api, error_message

ROUTINE_STARTS = ("debrief", "weekly_review", "repair", "inventory", "timeout")
REPAIR_CATEGORIES = ("feeling", "sorry", "agree", "calm", "stop", "appreciate", "validate", "impact")
ANSWER_BUTTONS = {"Yes": "Yes", "No": "No", "Partly": "Partly"}
CONTROL_BUTTONS = {"Pause": "Pause", "Resume": "Resume", "Skip": "Next", "Back": "Back",
                   "Repeat": "Repeat", "Explain": "What does that mean?", "TimeLeft": "Time left?", "Help": "Help",
                   "Stop": "Stop"}
TEXT_HINTS = {"Feeling": 'a feeling, e.g. "I feel tired"', "Need": 'a need, e.g. "I need rest"',
              "IdentifyPartner": 'who is speaking, e.g. "this is Sam"'}
INACTIVE_VIEW: dict[str, Any] = {"active": False, "expects": {"intents": [], "free_text": False}}


def routine_view() -> dict[str, Any]:
    """The routine as GET /api/v1/routine sees it (inactive if that fails)."""
    status, view = call_api("GET", "/routine")
    return view if status == 200 else dict(INACTIVE_VIEW)


@bp.app_template_global()
def live_state(view: dict) -> str:
    """What app.js compares to decide that the page is out of date (JSON, no spaces)."""
    if view.get("missing"):
        return ""  # no routines API in this build: nothing to follow
    active = bool(view.get("active"))
    state = [active, view.get("session_id") if active else None, view.get("step") if active else None,
             bool(view.get("paused")) if active else None]
    return json.dumps(state, separators=(",", ":"))


def recent_utterances(session_id: int | None, limit: int = 12) -> list[dict[str, Any]]:
    if session_id is None:
        return []
    rows = db().read().execute(
        "SELECT seq, kind, step, text, clock_s FROM utterances WHERE session_id = ?"
        " ORDER BY seq DESC LIMIT ?", (session_id, limit)).fetchall()
    return [dict(r) for r in reversed(rows)]


def _said(data: dict) -> None:
    for utterance in data.get("utterances", [])[-4:]:
        flash(utterance.get("text", ""), "said")


def _after(status: int, data: dict):
    if status >= 400:
        flash(error_message(data), "error")
    else:
        _said(data)
    return redirect(safe_next(request.form.get("next"), url_for("web.routine")), 303)


def _partner_field() -> str | None:
    """The partner a form speaks for; a paired phone is always its own partner."""
    device = g.get("device_partner_id")
    if device is not None:
        return next((p["name"] for p in partners() if p["id"] == device), None)
    name = request.form.get("partner", "").strip()
    return name if name in {p["name"] for p in partners()} else None


@bp.get("/routine")
def routine():
    view = routine_view()
    expects = view.get("expects") or {}
    intents = expects.get("intents") or []
    hints = [TEXT_HINTS[i] for i in intents if i in TEXT_HINTS]
    if expects.get("free_text"):
        hints.append("your answer in your own words")
    paused = bool(view.get("paused"))
    controls = {i: label for i, label in CONTROL_BUTTONS.items()
                if not (i == "Pause" and paused) and not (i == "Resume" and not paused)}
    return render_template(
        "routine.html", view=view, answers={i: ANSWER_BUTTONS[i] for i in intents if i in ANSWER_BUTTONS},
        controls=controls, hints=hints,
        starts=ROUTINE_STARTS, categories=REPAIR_CATEGORIES,
        utterances=recent_utterances(view.get("session_id")),
        idempotency_key=secrets.token_urlsafe(12),
    )


@bp.post("/routine/start")
def routine_start():
    name = request.form.get("routine", "")
    if name not in ROUTINE_STARTS:
        flash("Choose a routine to start.", "error")
        return redirect(url_for("web.routine"), 303)
    body: dict[str, Any] = {"routine": name}
    partner = _partner_field()
    if partner:
        body["partner"] = partner
    status, data = call_api("POST", "/routines", body, request.form.get("idempotency_key"))
    return _after(status, data)


@bp.post("/routine/event")
def routine_event():
    intent = request.form.get("intent", "").strip() or None
    text = request.form.get("text", "").strip() or None
    if intent is None and text is None:
        flash("Say something first: press a button or type an answer.", "error")
        return redirect(safe_next(request.form.get("next"), url_for("web.routine")), 303)
    body: dict[str, Any] = {"intent": intent, "slots": {}, "text": None if intent else text,
                            "partner": _partner_field(), "source": "web"}
    step = request.form.get("step", "").strip()
    if step:
        # The step this answers: if it moved on (voice and page at once) the server says 409,
        # unless the intent means the same at any step (the server decides which do).
        body["step"] = step
    category = request.form.get("category", "").strip()
    if intent == "RepairPhrase" and category in REPAIR_CATEGORIES:
        body["slots"] = {"category": category}
    status, data = call_api("POST", "/events", body, request.form.get("idempotency_key"))
    return _after(status, data)
