"""Repair phrases: the built-in ones (YAML, by id), the couple's own, their use, and favourites."""

from __future__ import annotations

from typing import Any

from flask import current_app

from server.api import bp
from server.api.common import not_found, optional_partner_id, session_or_400, store
from server.api.idempotency import idempotent
from server.api.validation import Bool, Id, Int, PartnerRef, Str, json_body, query
from server.errors import ApiError
from server.phrases import CATEGORIES, load_phrases


def phrase_id(**kw) -> Str:
    """A phrase id: "<category>.<n>" for built-in phrases, "custom.<n>" for the couple's own."""
    return Str(max_len=80, multiline=False, pattern=r"[a-z_]+\.[0-9]{1,9}", **kw)


def catalogue(category: str | None = None) -> dict[str, dict[str, Any]]:
    """Every phrase (built-in, then custom) by id, with when it was last used."""
    last = store().phrase_last_used(category)
    phrases = [dict(p, custom=False) for p in load_phrases(current_app.config["ATTUNE_SETTINGS"].locale)
               if category is None or p["category"] == category]
    phrases += [{k: p[k] for k in ("id", "category", "text", "custom")} for p in store().custom_phrases(category)]
    return {p["id"]: dict(p, last_used_at=last.get(p["id"])) for p in phrases}


def phrase_or_400(ident: str, field: str = "phrase_id") -> dict[str, Any]:
    found = catalogue().get(ident)
    if found is None:
        raise ApiError(400, f"{field}: no phrase '{ident}'", field, "unknown_phrase")
    return found


@bp.get("/phrases")
def list_phrases():
    args = query({"category": Str(choices=CATEGORIES), "custom": Bool()})
    phrases = list(catalogue(args.get("category")).values())
    if "custom" in args:
        phrases = [p for p in phrases if p["custom"] == args["custom"]]
    return {"phrases": phrases}


@bp.post("/phrases/custom")
@idempotent
def add_custom_phrase():
    body = json_body({"category": Str(required=True, choices=CATEGORIES), "text": Str(required=True, max_len=500)})
    phrase = store().add_custom_phrase(body["category"], body["text"])
    return {k: phrase[k] for k in ("id", "number", "category", "text", "custom", "created_at")}, 201


@bp.delete("/phrases/custom/<id:number>")
@idempotent
def delete_custom_phrase(number: int):
    if not store().delete_custom_phrase(number):
        raise not_found("custom phrase", number)
    return "", 204


@bp.get("/phrases/uses")
def list_phrase_uses():
    args = query({"category": Str(choices=CATEGORIES), "phrase_id": phrase_id(),
                  "limit": Int(minimum=1, maximum=1000, default=100), "offset": Int(maximum=1_000_000, default=0)})
    return {"uses": store().phrase_uses(**args)}


@bp.post("/phrases/uses")
@idempotent
def record_phrase_use():
    body = json_body({"phrase_id": phrase_id(required=True), "partner": PartnerRef(nullable=True),
                      "session_id": Id(nullable=True)})
    phrase = phrase_or_400(body["phrase_id"])
    use = store().record_phrase_use(phrase["id"], phrase["category"], optional_partner_id(body.get("partner")),
                                    session_or_400(body.get("session_id")))
    return use, 201


@bp.get("/favourites")
def list_favourites():
    args = query({"partner": PartnerRef()})
    known = catalogue()
    favourites = store().favourites(optional_partner_id(args.get("partner")))
    for fav in favourites:
        phrase = known.get(fav["phrase_id"], {})
        fav["category"], fav["text"] = phrase.get("category"), phrase.get("text")
    return {"favourites": favourites}


@bp.post("/favourites")
@idempotent
def add_favourite():
    body = json_body({"phrase_id": phrase_id(required=True), "partner": PartnerRef(nullable=True)})
    phrase = phrase_or_400(body["phrase_id"])
    fav = store().add_favourite(phrase["id"], optional_partner_id(body.get("partner")))
    return dict(fav, category=phrase["category"], text=phrase["text"]), 201


@bp.delete("/favourites/<id:favourite_id>")
@idempotent
def delete_favourite(favourite_id: int):
    if not store().delete_favourite(favourite_id):
        raise not_found("favourite", favourite_id)
    return "", 204
