"""Nights and weeks in local time: a debrief belongs to the evening it started on.

The night of a moment is its local date after subtracting NIGHT_STARTS_HOUR hours, so a
debrief at 00:30 still counts for the evening before. Weeks start on Monday.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

NIGHT_STARTS_HOUR = 4
"""Local hour at which one night ends and the next day begins."""


def night_of(moment: datetime) -> date:
    """The evening a moment belongs to, in local time."""
    return (moment.astimezone() - timedelta(hours=NIGHT_STARTS_HOUR)).date()


def night_start(night: date) -> datetime:
    """The local moment a night begins (its date at NIGHT_STARTS_HOUR), aware."""
    naive = datetime.combine(night, datetime.min.time()) + timedelta(hours=NIGHT_STARTS_HOUR)
    return naive.astimezone()


def week_monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def recent_mondays(today: date, weeks: int) -> list[date]:
    """The Mondays of the last `weeks` weeks up to and including today's, oldest first."""
    last = week_monday(today)
    return [last - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
