"""Who a page is for: the partners, and the one whose view this request shows (None = Together)."""

from __future__ import annotations

from flask import current_app, g, session


def partners() -> list[dict]:
    return current_app.extensions["attune.store"].partners()


def viewer(partner_list: list[dict] | None = None) -> dict | None:
    """The partner whose view this is (None = Together): a paired phone's partner, else the view chosen
    on this browser (a filter: private words still need their owner's passcode once one is set)."""
    wanted = g.get("device_partner_id") or session.get("viewer")
    for partner in partner_list if partner_list is not None else partners():
        if partner["id"] == wanted:
            return partner
    return None
