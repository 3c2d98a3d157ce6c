"""Understand simple due phrases in a promise ("by friday", "tomorrow", "in 3 days").

Pure: `now` is passed in as an aware datetime in the couple's local time; the result is
an ISO-8601 UTC string ("...Z") or None when no date was understood (the promise keeps
its words either way).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
           "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
           "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60}
_NUM = r"(\d+|" + "|".join(sorted(NUMBERS, key=len, reverse=True)) + r")"
END_OF_DAY = (23, 59)
EVENING = (21, 0)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBERS[word]


def _at(day: datetime, hm: tuple[int, int]) -> datetime:
    return day.replace(hour=hm[0], minute=hm[1], second=0, microsecond=0)


def to_iso(moment: datetime) -> str:
    """A datetime as the stored UTC string ("...Z")."""
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def from_iso(text: str) -> datetime:
    """A stored UTC string ("...Z") back to an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def due_datetime(text: str, now: datetime) -> datetime | None:
    """The moment a promise is due, or None when the text names no date we understand."""
    t = " ".join(text.lower().replace("\u2019", "'").split())
    if m := re.search(rf"\bin {_NUM} (minute|hour|day|week)s?\b", t):
        n, unit = _number(m.group(1)), m.group(2)
        return now + timedelta(**{f"{unit}s": n})
    if re.search(r"\b(this|each|every) (evening|night|day)s? this week\b|\bthis week\b|\bby the end of the week\b", t):
        sunday = now + timedelta(days=6 - now.weekday())
        return _at(sunday, END_OF_DAY)
    if re.search(r"\bnext week\b", t):
        return _at(now + timedelta(days=7), END_OF_DAY)
    if re.search(r"\b(by |this )?(the )?weekend\b", t):
        days = (5 - now.weekday()) % 7
        return _at(now + timedelta(days=days), END_OF_DAY)
    if re.search(r"\btonight\b|\bthis evening\b", t):
        return _at(now, END_OF_DAY)
    if re.search(r"\bday after tomorrow\b", t):
        return _at(now + timedelta(days=2), END_OF_DAY)
    if re.search(r"\btomorrow\b", t):
        return _at(now + timedelta(days=1), END_OF_DAY)
    if re.search(r"\btoday\b|\bend of (the )?day\b", t):
        return _at(now, END_OF_DAY)
    for index, name in enumerate(WEEKDAYS):
        if re.search(rf"\b{name}s?\b", t):
            days = (index - now.weekday()) % 7 or 7
            if re.search(rf"\b(by|on|this|until) {name}\b", t) and index == now.weekday():
                days = 0
            return _at(now + timedelta(days=days), END_OF_DAY)
    return None


def parse_due(text: str, now: datetime) -> str | None:
    """`due_datetime` as an ISO-8601 UTC string, or None."""
    moment = due_datetime(text, now)
    return to_iso(moment) if moment else None


def parse_minutes(text: str) -> int | None:
    """Minutes from "in 30 minutes", "half an hour", "an hour", "20"; None if none is named."""
    t = " ".join(text.lower().split())
    if re.search(r"\bhalf an hour\b", t):
        return 30
    if m := re.search(rf"\b{_NUM} (minute|min|hour)s?\b", t):
        n = _number(m.group(1))
        return n * 60 if m.group(2) == "hour" else n
    if m := re.fullmatch(r"(in )?(\d{1,3})", t):
        return int(m.group(2))
    return None
