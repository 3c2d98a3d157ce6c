"""The daily rhythm over HTTP: the reminder schedule, and the reminders to come and gone.

Thin: validation here; the schedule and reminder rows live in `server.schedule.Rhythm`
(the runner's, so voice, web page and API change the same schedule).
"""

from __future__ import annotations

from server.api import bp
from server.api.common import expected_version, versioned
from server.api.idempotency import idempotent
from server.api.routines import runner
from server.api.validation import Int, Str, json_body, query
from intents.names import WEEKDAYS

HHMM = r"([01]?\d|2[0-3]):[0-5]\d"
SCHEDULE_BODY = {
    "debrief_time": Str(max_len=5, pattern=HHMM, multiline=False, nullable=True),
    "review_day": Str(choices=WEEKDAYS, nullable=True),
    "review_time": Str(max_len=5, pattern=HHMM, multiline=False),
    "quiet_start": Str(max_len=5, pattern=HHMM, multiline=False, nullable=True),
    "quiet_end": Str(max_len=5, pattern=HHMM, multiline=False, nullable=True),
    "max_snoozes": Int(minimum=0, maximum=10),
    "snooze_minutes": Int(minimum=1, maximum=120),
    "version": Int(minimum=0, nullable=True),
}
REMINDERS_QUERY = {"limit": Int(minimum=1, maximum=200, default=30)}


@bp.get("/schedule")
def get_schedule():
    return versioned(runner().rhythm.schedule_row())


@bp.put("/schedule")
@idempotent
def put_schedule():
    body = json_body(SCHEDULE_BODY, partial=True)
    version = expected_version(body)
    body.pop("version", None)
    rhythm = runner().rhythm
    return versioned(rhythm.update_schedule(body, runner().clock(), expected_version=version))


@bp.get("/reminders")
def list_reminders():
    args = query(REMINDERS_QUERY)
    now = runner().clock()
    rhythm = runner().rhythm
    waiting = rhythm.pending(now)
    return {"upcoming": rhythm.upcoming(now), "waiting": rhythm.as_dict(waiting, now) if waiting else None,
            "history": rhythm.history(args["limit"])}
