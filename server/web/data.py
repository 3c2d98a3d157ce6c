"""Your data: export as JSON or CSV, and delete everything after a typed confirmation."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from server import export
from server.api.export import delete_everything_now
from server.web import bp, db


def _counts() -> dict[str, int]:
    conn = db().read()
    return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for t in export.data_tables(conn) if t not in ("settings", "partners")}


@bp.get("/data")
def data():
    return render_template("data.html", counts=_counts(), phrase=export.CONFIRM_PHRASE)


@bp.get("/data/delete")
def data_delete_confirm():
    return render_template("data_delete.html", counts=_counts(), phrase=export.CONFIRM_PHRASE)


@bp.post("/data/delete")
def data_delete():
    if request.form.get("confirm", "").strip().lower() != export.CONFIRM_PHRASE:
        flash(f'Nothing was deleted. To delete everything, type "{export.CONFIRM_PHRASE}".', "error")
        return redirect(url_for("web.data_delete_confirm"), 303)
    deleted = delete_everything_now()
    flash(f"Everything was deleted ({sum(deleted.values())} rows).", "info")
    return redirect(url_for("web.dashboard"), 303)
