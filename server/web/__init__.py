"""The local web page: server-rendered views of the same state and routines."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
               static_url_path="/static")


@bp.get("/")
def dashboard():
    return "attune is running. The web page arrives with issue 6.", 200, {"Content-Type": "text/plain; charset=utf-8"}
