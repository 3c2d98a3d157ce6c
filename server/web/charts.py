"""Geometry for the server-rendered SVG charts. Pure: numbers in, shapes out.

Templates draw the shapes (templates/_charts.html) so every label goes through
Jinja's autoescaping; colours come from CSS classes (the CSP forbids inline styles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Sequence

BAR_HEIGHT = 18
BAR_GAP = 8
LABEL_WIDTH = 130
VALUE_WIDTH = 34
WIDTH = 360


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one per label, scaled to the largest value."""

    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def bar_chart(items: Sequence[tuple[str, int]]) -> BarChart:
    top = max((v for _, v in items), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    bars = [
        Bar(label, value, i * (BAR_HEIGHT + BAR_GAP), round(room * value / top, 1))
        for i, (label, value) in enumerate(items)
    ]
    height = max(1, len(bars)) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(bars, WIDTH, height, LABEL_WIDTH, BAR_HEIGHT)


@dataclass(frozen=True)
class Segment:
    series: str
    value: int
    y: float
    height: float


@dataclass(frozen=True)
class Column:
    label: str
    x: float
    total: int
    segments: list[Segment] = field(default_factory=list)


@dataclass(frozen=True)
class StackedChart:
    """Vertical stacked columns (one per week) with a y axis of whole numbers."""

    columns: list[Column]
    series: tuple[str, ...]
    width: int
    height: int
    plot_top: int
    plot_bottom: int
    plot_left: int
    column_width: float
    ticks: list[tuple[int, float]]


def stacked_chart(rows: Sequence[dict], series: tuple[str, ...], label_key: str = "week") -> StackedChart:
    width, height, left, top, bottom = WIDTH, 220, 30, 10, 180
    peak = max((sum(r[s] for s in series) for r in rows), default=0)
    scale_top = max(peak, 4)
    plot_h = bottom - top
    slot = (width - left - 4) / max(1, len(rows))
    columns = []
    for i, row in enumerate(rows):
        y = float(bottom)
        segments = []
        for name in series:
            h = plot_h * row[name] / scale_top
            y -= h
            if row[name]:
                segments.append(Segment(name, row[name], round(y, 1), round(h, 1)))
        label = row[label_key]
        if isinstance(label, date):
            label = f"{label.day} {label:%b}"
        columns.append(Column(label, round(left + i * slot + slot * 0.15, 1), sum(row[s] for s in series), segments))
    step = max(1, -(-scale_top // 4))
    ticks = [(v, round(bottom - plot_h * v / scale_top, 1)) for v in range(0, scale_top + 1, step)]
    return StackedChart(columns, series, width, height, top, bottom, left, round(slot * 0.7, 1), ticks)


@dataclass(frozen=True)
class Dot:
    row: int
    col: int
    value: int
    x: float
    y: float
    r: float


@dataclass(frozen=True)
class DotGrid:
    """A table drawn as dots: one row per label, one column per period, area in proportion to the count."""

    rows: list[tuple[str, float]]
    cols: list[tuple[str, float]]
    dots: list[Dot]
    width: int
    height: int
    label_width: int


def dot_grid(row_labels: Sequence[str], col_labels: Sequence[str], values: Sequence[Sequence[int]]) -> DotGrid:
    label_width, head, row_h = 110, 22, 30
    slot = (WIDTH - label_width) / max(1, len(col_labels))
    top = max((v for row in values for v in row), default=0) or 1
    biggest = min(row_h, slot) / 2 - 2
    rows = [(label, head + i * row_h + row_h / 2) for i, label in enumerate(row_labels)]
    cols = [(label, round(label_width + j * slot + slot / 2, 1)) for j, label in enumerate(col_labels)]
    dots = [Dot(i, j, v, cols[j][1], rows[i][1], round(biggest * (v / top) ** 0.5, 1))
            for i, row in enumerate(values) for j, v in enumerate(row)]
    return DotGrid(rows, cols, dots, WIDTH, head + max(1, len(rows)) * row_h, label_width)


CALENDAR_MARKS = {"done": "✓", "skipped": "–", "stopped": "½", "missed": "", "tonight": "○", "": ""}
WEEKDAY_LABELS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
"""Column heads of the calendar (short labels, not the stored day names of intents.names.WEEKDAYS)."""


@dataclass(frozen=True)
class CalendarDay:
    day: date
    state: str
    mark: str
    review: bool
    rituals: tuple[str, ...]
    x: float
    y: float


@dataclass(frozen=True)
class CalendarChart:
    """Weeks as rows (oldest at the top), Monday to Sunday as columns."""

    days: list[CalendarDay]
    weeks: list[tuple[str, float]]
    weekdays: list[tuple[str, float]]
    size: float
    width: int
    height: int


def calendar_chart(weeks: Sequence[dict]) -> CalendarChart:
    label_width, head, gap = 52, 18, 4
    size = min((WIDTH - label_width) / 7 - gap, 30.0)
    step = size + gap
    days, rows = [], []
    for i, week in enumerate(weeks):
        y = head + i * step
        rows.append((f"{week['week'].day} {week['week']:%b}", round(y + size / 2 + 4, 1)))
        for j, d in enumerate(week["days"]):
            days.append(CalendarDay(d["day"], d["debrief"], CALENDAR_MARKS.get(d["debrief"], ""), d["review"],
                                    tuple(d["rituals"]), round(label_width + j * step, 1), round(y, 1)))
    weekdays = [(name, round(label_width + j * step + size / 2, 1)) for j, name in enumerate(WEEKDAY_LABELS)]
    return CalendarChart(days, rows, weekdays, round(size, 1), WIDTH, int(head + len(weeks) * step))
