"""Weekly reviews: the week's figures plus what worked, what did not, and one adjustment."""

from __future__ import annotations

from server.api import bp
from server.api.common import not_found, session_or_400, store
from server.api.idempotency import idempotent
from server.api.validation import Day, Id, Int, Json, Str, json_body, query

ANSWER = Str(max_len=2000, nullable=True)
CREATE_BODY = {
    "week_start": Day(required=True),
    "figures": Json(default={}),
    "worked": ANSWER,
    "didnt_work": ANSWER,
    "adjust": ANSWER,
    "session_id": Id(nullable=True),
}


@bp.get("/weekly-reviews")
def list_weekly_reviews():
    args = query({"limit": Int(minimum=1, maximum=500, default=52), "offset": Int(maximum=1_000_000, default=0)})
    return {"weekly_reviews": store().weekly_reviews(**args)}


@bp.post("/weekly-reviews")
@idempotent
def create_weekly_review():
    body = json_body(CREATE_BODY)
    body["session_id"] = session_or_400(body.get("session_id"))
    return store().add_weekly_review(**body), 201


@bp.get("/weekly-reviews/<id:review_id>")
def get_weekly_review(review_id: int):
    query({})
    review = store().get_weekly_review(review_id)
    if review is None:
        raise not_found("weekly review", review_id)
    return review
