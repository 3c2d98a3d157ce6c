"""Phrase library: browse built-in and your own repair phrases by category, favourite, add.

Reads and writes go through the phrases API in-process (GET /phrases, /favourites;
POST /phrases/custom, /favourites; DELETE /favourites/<id>, /phrases/custom/<n>).
Favourites made while viewing as a partner are theirs; in the Together view they are shared.
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, request, url_for

from server.web import bp, viewer
from server.web.api_client import call_api, error_message

CATEGORY_LABELS = {
    "feeling": "Say how I feel", "sorry": "Say sorry", "agree": "Find agreement", "calm": "Calm down",
    "stop": "Stop the spiral", "appreciate": "Appreciate", "validate": "Validate", "impact": "Name the impact",
}


@bp.app_template_global()
def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category.replace("_", " ").capitalize())


@bp.get("/phrases")
def phrases():
    me = viewer()
    wanted = request.args.get("category") or None
    _, listing = call_api("GET", "/phrases")
    query = f"?partner={me['name']}" if me else ""
    _, favs = call_api("GET", "/favourites" + query)
    favourites = [f for f in favs.get("favourites", [])
                  if me is None or f.get("partner_id") in (None, me["id"])]
    fav_ids = {f["phrase_id"]: f["id"] for f in favourites}
    by_category: dict[str, list[dict]] = {}
    for phrase in listing.get("phrases", []):
        by_category.setdefault(phrase["category"], []).append(phrase)
    categories = list(dict.fromkeys([*CATEGORY_LABELS, *by_category]))
    if wanted not in by_category:
        wanted = None
    shown = {c: by_category[c] for c in categories if c in by_category and wanted in (None, c)}
    return render_template("phrases.html", by_category=shown, favourites=favourites,
                           fav_ids=fav_ids, wanted=wanted, categories=categories)


def _back(status: int, data: dict, done: str):
    if status >= 400:
        flash(error_message(data), "error")
    else:
        flash(done, "info")
    return redirect(url_for("web.phrases", category=request.form.get("back_category") or None), 303)


@bp.post("/phrases/favourite")
def phrases_favourite():
    me = viewer()
    body = {"phrase_id": request.form.get("phrase_id", ""), "partner": me["name"] if me else None}
    status, data = call_api("POST", "/favourites", body)
    return _back(status, data, "Saved to favourites.")


def _delete(field: str, path: str, what: str, done: str):
    ident = request.form.get(field, "")
    # "0", 20 digits or "²" pass isdigit() but match no API route (ApiMissing would be a 500).
    if not re.fullmatch(r"[1-9][0-9]{0,17}", ident):
        return _back(400, {"error": {"message": f"No such {what}."}}, "")
    status, data = call_api("DELETE", path.format(ident))
    return _back(status, data, done)


@bp.post("/phrases/unfavourite")
def phrases_unfavourite():
    return _delete("favourite_id", "/favourites/{}", "favourite", "Removed from favourites.")


@bp.post("/phrases/custom")
def phrases_add():
    body = {"category": request.form.get("category", ""), "text": request.form.get("text", "").strip()}
    status, data = call_api("POST", "/phrases/custom", body)
    return _back(status, data, "Your phrase was added.")


@bp.post("/phrases/custom/delete")
def phrases_delete():
    return _delete("number", "/phrases/custom/{}", "phrase", "Your phrase was removed.")
