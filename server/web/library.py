"""Phrase library: browse the built-in and your own repair phrases by category; favourite; add."""

from __future__ import annotations

from flask import render_template

from server.web import bp


@bp.get("/phrases")
def phrases():
    return render_template("phrases.html", categories={}, favourites=set())
