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
