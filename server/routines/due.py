"""Understand simple due phrases in a promise ("by friday", "tomorrow", "in 3 days").

Pure: `now` is passed in as an aware datetime in the couple's local time; the result is
an ISO-8601 UTC string ("...Z") or None when no date was understood (the promise keeps
its words either way).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any, Callable

from intents.words import phrase_alternation, words

END_OF_DAY = (23, 59)
EVENING = (21, 0)


@lru_cache(maxsize=8)
def _words(locale: str) -> dict[str, Any]:
    """The locale's number, unit, day and due words (intents/data/<locale>/words/time.yaml) as patterns."""
    numbers = {str(k): int(v) for k, v in words("time", "numbers", locale).items()}
    minutes = words("time", "minutes", locale)
    return {
        "numbers": numbers, "number": rf"(\d+|{phrase_alternation(list(numbers))})",
        "units": dict(words("time", "units", locale)),
        "weekdays": list(words("time", "weekdays", locale)),
        "due": [(moment, re.compile(rf"\b(?:{phrase_alternation(phrases)})\b"))
                for moment, phrases in words("time", "due", locale).items()],
        "same_day": phrase_alternation(words("time", "same_day", locale)),
        "half_hour": re.compile(rf"\b(?:{phrase_alternation(minutes['half_hour'])})\b"),
        "minute_units": phrase_alternation(minutes["minute_units"] + minutes["hour_units"]),
        "hour_units": frozenset(minutes["hour_units"]),
    }


def _number(word: str, locale: str) -> int:
    return int(word) if word.isdigit() else _words(locale)["numbers"][word]


def _at(day: datetime, hm: tuple[int, int]) -> datetime:
    return day.replace(hour=hm[0], minute=hm[1], second=0, microsecond=0)


def to_iso(moment: datetime) -> str:
    """A datetime as the stored UTC string ("...Z")."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    """A stored UTC string ("...Z") back to an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _end_of_week(now: datetime) -> datetime:
    return _at(now + timedelta(days=6 - now.weekday()), END_OF_DAY)


DUE_MOMENTS: dict[str, Callable[[datetime], datetime]] = {
    "end_of_week": _end_of_week,
    "next_week": lambda now: _at(now + timedelta(days=7), END_OF_DAY),
    "weekend": lambda now: _at(now + timedelta(days=(5 - now.weekday()) % 7), END_OF_DAY),
    "tonight": lambda now: _at(now, END_OF_DAY),
    "day_after_tomorrow": lambda now: _at(now + timedelta(days=2), END_OF_DAY),
    "tomorrow": lambda now: _at(now + timedelta(days=1), END_OF_DAY),
    "today": lambda now: _at(now, END_OF_DAY),
}
"""What each due phrase of time.yaml's `due` means, given now (local)."""


def due_datetime(text: str, now: datetime, locale: str = "en") -> datetime | None:
    """The moment a promise is due, or None when the text names no date we understand."""
    w = _words(locale)
    t = " ".join(text.lower().replace("\u2019", "'").split())
    units = w["units"]
    if m := re.search(rf"\bin {w['number']} ({phrase_alternation(list(units))})s?\b", t):
        return now + timedelta(**{units[m.group(2)]: _number(m.group(1), locale)})
    for moment, pattern in w["due"]:
        if pattern.search(t):
            return DUE_MOMENTS[moment](now)
    for index, name in enumerate(w["weekdays"]):
        if re.search(rf"\b{re.escape(name)}s?\b", t):
            days = (index - now.weekday()) % 7 or 7
            if re.search(rf"\b(?:{w['same_day']}) {re.escape(name)}\b", t) and index == now.weekday():
                days = 0
            return _at(now + timedelta(days=days), END_OF_DAY)
    return None


def parse_due(text: str, now: datetime, locale: str = "en") -> str | None:
    """`due_datetime` as an ISO-8601 UTC string, or None."""
    moment = due_datetime(text, now, locale)
    return to_iso(moment) if moment else None


def parse_minutes(text: str, locale: str = "en") -> int | None:
    """Minutes from "in 30 minutes", "half an hour", "an hour", "20"; None if none is named."""
    w = _words(locale)
    t = " ".join(text.lower().split())
    if w["half_hour"].search(t):
        return 30
    if m := re.search(rf"\b{w['number']} ({w['minute_units']})s?\b", t):
        n = _number(m.group(1), locale)
        return n * 60 if m.group(2) in w["hour_units"] else n
    if m := re.fullmatch(r"(in )?(\d{1,3})", t):
        return int(m.group(2))
    return None
