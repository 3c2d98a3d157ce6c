"""The daily rhythm as a pure state machine: when a reminder is due, fires, is snoozed or answered.

Pure: no Flask, no SQLite, no threads. Every function takes `now`, an aware datetime in the
couple's local time, and plain values in; it returns new frozen values out. The glue
(`server.schedule`) loads the rows, calls these functions inside one write transaction and
saves what they return, so firing is one state transition in the database: two voice loops
polling at once see one reminder, and a restart carries on where it was.

A reminder belongs to a *reminder day*: the local date, with the day starting at 04:00, so a
snoozed 23:50 reminder that comes back at 00:05 is still tonight's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from intents.names import WEEKDAYS
from intents.words import phrase_alternation, words

KINDS = ("debrief", "weekly_review")
DAY_START = time(4, 0)
"""A reminder day runs from 04:00 to 04:00 local time."""
GRACE = timedelta(hours=2)
"""A reminder missed (server or loop down, quiet hours, a routine running) is still said this long
after it was due; later it is dropped, never replayed."""
ANSWERED = ("accepted", "skipped", "silenced", "missed", "done")
"""Final statuses: nothing more happens to that day's reminder."""
SNOOZE_RANGE = (1, 120)
"""Minutes a snooze may last."""
STARTS = {"debrief": "debrief", "weekly_review": "weekly_review"}
"""Routine a reminder starts on "yes"."""


@dataclass(frozen=True)
class Schedule:
    """The couple's rhythm. Times are "HH:MM" local; None switches that part off."""

    debrief_time: str | None = "21:00"
    """Daily debrief reminder time, or None for no daily reminder."""
    review_day: str | None = "sunday"
    """Weekday of the weekly review reminder, or None for none."""
    review_time: str = "19:00"
    """Time of the weekly review reminder."""
    quiet_start: str | None = "22:30"
    """Start of quiet hours (no reminder is said then), or None for no quiet hours."""
    quiet_end: str | None = "08:00"
    """End of quiet hours."""
    max_snoozes: int = 3
    """Snoozes allowed per reminder."""
    snooze_minutes: int = 10
    """Minutes a snooze lasts when none are named."""

    def time_of(self, kind: str) -> str | None:
        return self.debrief_time if kind == "debrief" else self.review_time if self.review_day else None


@dataclass(frozen=True)
class Reminder:
    """One day's reminder of one kind, as stored."""

    kind: str
    """debrief | weekly_review"""
    day: date
    """The reminder day it belongs to."""
    due: datetime
    """When it is (next) to be said: the scheduled time, an agreed one, or the end of a snooze."""
    status: str = "scheduled"
    """scheduled | fired (said, waiting for an answer) | accepted | skipped | silenced | missed | done"""
    snoozes: int = 0
    """Snoozes used."""
    fired_at: datetime | None = None
    """When it was last said."""
    source: str = "schedule"
    """schedule | agreed (tomorrow's time agreed in a debrief) | voice (moved by voice for one day)"""

    @property
    def final(self) -> bool:
        return self.status in ANSWERED


@dataclass(frozen=True)
class Facts:
    """What the store knows that decides whether a due reminder is said."""

    busy: bool = False
    """A routine is running (the reminder waits until it ends)."""
    done: tuple[str, ...] = ()
    """Kinds already done in their period (a debrief today, a weekly review this week)."""


@dataclass(frozen=True)
class Change:
    """A reminder after a tick, and what happened to it."""

    reminder: Reminder
    action: str
    """fire (say it now) | missed | done (dropped silently)"""


# -- clock helpers ---------------------------------------------------------------------------

def parse_hhmm(value: str) -> time:
    """"21:30" -> time(21, 30); ValueError for anything else."""
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value or "")
    if not match:
        raise ValueError(f"{value!r} is not a time like 21:30")
    return time(int(match.group(1)), int(match.group(2)))


def reminder_day(now: datetime) -> date:
    """The reminder day `now` falls in (before 04:00 it is still the previous day)."""
    return (now - timedelta(hours=DAY_START.hour, minutes=DAY_START.minute)).date()


def at(day: date, hhmm: str, tz) -> datetime:
    """The moment `hhmm` on reminder day `day` (times before 04:00 fall after midnight)."""
    clock = parse_hhmm(hhmm)
    moment = datetime.combine(day, clock, tz)
    return moment + timedelta(days=1) if clock < DAY_START else moment


def in_quiet_hours(schedule: Schedule, now: datetime) -> bool:
    if not schedule.quiet_start or not schedule.quiet_end:
        return False
    start, end, clock = parse_hhmm(schedule.quiet_start), parse_hhmm(schedule.quiet_end), now.time()
    if start == end:
        return False
    return start <= clock < end if start < end else (clock >= start or clock < end)


def planned(schedule: Schedule, kind: str, day: date, tz) -> Reminder | None:
    """The day's reminder from the schedule alone (None when there is none that day)."""
    hhmm = schedule.time_of(kind)
    if hhmm is None:
        return None
    if kind == "weekly_review" and WEEKDAYS[day.weekday()] != schedule.review_day:
        return None
    return Reminder(kind, day, at(day, hhmm, tz))


def current(schedule: Schedule, kind: str, day: date, stored: Reminder | None, tz) -> Reminder | None:
    """The stored reminder of that day, else the planned one."""
    return stored if stored is not None else planned(schedule, kind, day, tz)


# -- ticking ---------------------------------------------------------------------------------

def step(reminder: Reminder, schedule: Schedule, now: datetime, facts: Facts) -> Change | None:
    """What happens to one reminder at `now` (None: nothing yet)."""
    if reminder.final:
        return None
    if reminder.status == "fired":
        if now - (reminder.fired_at or reminder.due) > GRACE:
            return Change(replace(reminder, status="missed"), "missed")
        return None
    if now < reminder.due:
        return None
    if reminder.kind in facts.done:
        return Change(replace(reminder, status="done"), "done")
    if now - reminder.due > GRACE:
        return Change(replace(reminder, status="missed"), "missed")
    if facts.busy or in_quiet_hours(schedule, now):
        return None  # waits: said when the routine ends or quiet hours are over, if still in time
    return Change(replace(reminder, status="fired", fired_at=now), "fire")


def tick(schedule: Schedule, now: datetime, reminders: list[Reminder], facts: Facts) -> list[Change]:
    """Every change due at `now`. At most one reminder fires: if several are due at once (the
    server was down), the latest due one is said and the others are dropped as missed."""
    changes = [c for r in reminders if (c := step(r, schedule, now, facts)) is not None]
    firing = [c for c in changes if c.action == "fire"]
    if len(firing) > 1:
        keep = max(firing, key=lambda c: c.reminder.due)
        changes = [c if c is keep or c.action != "fire" else Change(replace(c.reminder, status="missed",
                                                                            fired_at=None), "missed")
                   for c in changes]
    return changes


def pending(reminders: list[Reminder], now: datetime) -> Reminder | None:
    """The reminder said and waiting for an answer (the latest said one), if any."""
    said = [r for r in reminders if r.status == "fired" and now - (r.fired_at or r.due) <= GRACE]
    return max(said, key=lambda r: r.fired_at or r.due) if said else None


# -- answers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """The reminder after an answer, what to say (a prompt key), and a routine to start."""

    reminder: Reminder
    key: str
    start: str | None = None
    minutes: int | None = None


def answer(reminder: Reminder, intent: str, now: datetime, schedule: Schedule,
           minutes: int | None = None) -> Answer:
    """Apply Yes / No / NotNow / SkipTonight / Snooze to a reminder."""
    if intent == "Yes":
        return Answer(replace(reminder, status="accepted"), "reminder.starting", STARTS[reminder.kind])
    if intent in ("No", "NotNow"):
        return Answer(replace(reminder, status="silenced"), "reminder.silenced")
    if intent == "SkipTonight":
        return Answer(replace(reminder, status="skipped"), "reminder.skipped")
    if intent == "Snooze":
        if reminder.snoozes >= schedule.max_snoozes:
            return Answer(reminder, "reminder.no_more_snoozes")
        wait = max(SNOOZE_RANGE[0], min(SNOOZE_RANGE[1], minutes or schedule.snooze_minutes))
        return Answer(replace(reminder, status="scheduled", due=now + timedelta(minutes=wait),
                              snoozes=reminder.snoozes + 1), "reminder.snoozed", minutes=wait)
    raise ValueError(f"not a reminder answer: {intent}")


def upcoming(schedule: Schedule, now: datetime, stored: dict[tuple[str, date], Reminder],
             days: int = 8) -> list[Reminder]:
    """Reminders still to be said from `now` on, soonest first (the next `days` reminder days)."""
    today = reminder_day(now)
    out = []
    for offset in range(days):
        day = today + timedelta(days=offset)
        for kind in KINDS:
            reminder = current(schedule, kind, day, stored.get((kind, day)), now.tzinfo)
            if reminder is None or reminder.final:
                continue
            if reminder.status == "scheduled" and now - reminder.due > GRACE:
                continue
            out.append(reminder)
    return sorted(out, key=lambda r: r.due)


# -- understanding an agreed time ------------------------------------------------------------

@lru_cache(maxsize=8)
def _clock_words(locale: str) -> dict[str, Any]:
    """The locale's clock words (intents/data/<locale>/words/time.yaml `clock`) as patterns."""
    clock = words("time", "clock", locale)
    hours = {str(k): int(v) for k, v in clock["hours"].items()}
    minutes = {str(k): int(v) for k, v in clock["minutes"].items()}
    hour = rf"(\d{{1,2}}|{phrase_alternation(list(hours))})"
    minute = rf"(\d{{2}}|{phrase_alternation(list(minutes))})"
    return {
        "hours": hours, "minutes": minutes, "past_to": {str(k): int(v) for k, v in clock["past_to"].items()},
        "morning": re.compile(rf"\b(?:{phrase_alternation(clock['morning'])})\b"),
        "past_to_hour": re.compile(rf"\b({phrase_alternation(list(clock['past_to']))}) {hour}\b"),
        "hour_minute": re.compile(rf"\b{hour} {minute}\b"),
        "hour": re.compile(rf"\b(?:{phrase_alternation(clock['before_hour'])}) {hour}\b"
                           rf"|\b{hour} (?:{phrase_alternation(clock['after_hour'])})\b|^{hour}\b"),
    }


def _number(word: str, table: dict[str, int]) -> int:
    return int(word) if word.isdigit() else table[word]


def clock_time(text: str, locale: str = "en") -> str | None:
    """"nine thirty", "half past nine", "9 pm", "21:30", "at 8" -> "HH:MM" (evening unless
    "am"/"morning" is said); None when the text names no clock time ("same time", "after dinner")."""
    w = _clock_words(locale)
    t = " ".join(re.sub(r"[^a-z0-9: ]+", " ", text.lower().replace("-", " ")).split())
    t = re.sub(r"\b(\d{1,2})[:.](\d{2})\b", r"\1 \2", t)
    t = re.sub(r"\b(\d{1,2})(am|pm)\b", r"\1 \2", t)
    morning = bool(w["morning"].search(t))
    hour = minute = None
    if m := w["past_to_hour"].search(t):
        hour, offset = _number(m.group(2), w["hours"]), w["past_to"][m.group(1)]
        minute = offset if offset >= 0 else 60 + offset
        if offset < 0:  # "quarter to nine": the hour before
            hour = (hour - 1) or 12
    elif m := w["hour_minute"].search(t):
        hour, minute = _number(m.group(1), w["hours"]), _number(m.group(2), w["minutes"])
    elif m := w["hour"].search(t):
        hour, minute = _number(next(g for g in m.groups() if g), w["hours"]), 0
    if hour is None or hour > 23 or minute > 59:
        return None
    if hour < 12 and not morning:
        hour += 12
    elif hour == 12 and morning:
        hour = 0
    return f"{hour:02d}:{minute:02d}"
