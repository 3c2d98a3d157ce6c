"""Charts: how the couple is doing over time (felt heard, feelings, needs, the calendar, promises).

Each trend is a server-rendered SVG with a text summary and a table of the same numbers,
for both partners or one (`?partner=<id>`). Shares follow the small-number rule
(server.trends.small): fewer than ten answers are shown as "k of n", never as a percentage.
"""

from __future__ import annotations

from datetime import timedelta

from flask import render_template

from server import history
from server.trends import queries as trends
from server.trends.small import Share
from server.web import bp, charts, db, now, partners, queries, store, viewer
from server.web.pages import int_arg
from server.web.words import locale

CHART_WINDOWS = (30, 90)
WEEKS = 12
MONTHS = 6
RECENT_WEEKS = 4
"""The summaries compare the last RECENT_WEEKS weeks with the weeks before them."""


def _split(weeks: list[dict], series: tuple[str, ...]) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Totals over all weeks, the last RECENT_WEEKS, and the weeks before those."""
    return (trends.totals(weeks, series), trends.totals(weeks[-RECENT_WEEKS:], series),
            trends.totals(weeks[:-RECENT_WEEKS], series))


def _shares(split: tuple[dict[str, int], ...], yes: str, series: tuple[str, ...]) -> list[Share]:
    return [Share(part[yes], sum(part[s] for s in series)) for part in split]


@bp.get("/charts", endpoint="charts")
def charts_page():
    days = int_arg("days") or CHART_WINDOWS[0]
    if days not in CHART_WINDOWS:
        days = CHART_WINDOWS[0]
    partner_list = partners()
    partner_id = int_arg("partner")
    chosen = next((p for p in partner_list if p["id"] == partner_id), None)
    partner_id = chosen["id"] if chosen else None
    me = viewer(partner_list)
    viewer_id = me["id"] if me else None
    conn, moment = db().read(), now()
    has_history = conn.execute("SELECT EXISTS (SELECT 1 FROM sessions)").fetchone()[0]

    heard = trends.heard_by_week(conn, moment, viewer_id, partner_id, WEEKS)
    heard_split = _split(heard, trends.HEARD)
    feelings = trends.feelings_by_week(conn, moment, viewer_id, partner_id, WEEKS, locale())
    feelings_split = _split(feelings, trends.FEELING_SERIES)
    needs = trends.needs_by_month(conn, moment, viewer_id, partner_id, MONTHS)
    month_labels = [f"{m:%b}" for m in needs["months"]]
    calendar = trends.calendar(conn, moment, WEEKS)
    promises = trends.promises_by_week(conn, moment, partner_id, WEEKS)
    promise_split = _split(promises, trends.PROMISE_OUTCOMES)
    still_open = [c for c in queries.open_promises(store())
                  if chosen is None or c["partner"] == chosen["name"]]

    counts = history.named_counts(conn, viewer_id, moment - timedelta(days=days))
    named = []
    for partner in partner_list:
        if chosen is not None and partner["id"] != chosen["id"]:
            continue
        for kind in queries.FEELING_KINDS:
            items = counts.get((partner["id"], kind), [])
            named.append({"partner": partner, "kind": kind, "chart": charts.bar_chart(items),
                          "desc": "; ".join(f"{label} {n}" for label, n in items)})
    return render_template(
        "charts.html", days=days, windows=CHART_WINDOWS, named=named, chosen=chosen,
        has_history=has_history, weeks_shown=WEEKS, recent_weeks=RECENT_WEEKS, months_shown=MONTHS,
        heard=heard, heard_chart=charts.stacked_chart(heard, trends.HEARD), heard_split=heard_split,
        heard_shares=_shares(heard_split, "yes", trends.HEARD),
        feelings=feelings, feelings_chart=charts.stacked_chart(feelings, trends.FEELING_SERIES),
        feelings_split=feelings_split,
        needs=needs, month_labels=month_labels,
        needs_chart=charts.dot_grid([n["need"] for n in needs["needs"]], month_labels,
                                    [n["by_month"] for n in needs["needs"]]),
        calendar=calendar, calendar_chart=charts.calendar_chart(calendar),
        calendar_totals=trends.calendar_totals(calendar),
        promises=promises, promises_chart=charts.stacked_chart(promises, trends.PROMISE_OUTCOMES),
        promise_split=promise_split, promise_shares=_shares(promise_split, "kept", trends.PROMISE_OUTCOMES),
        still_open=still_open,
    )
