"""Routine timings as a form: minutes and seconds per step, instead of a JSON box.

Each timed step of each routine gets two inputs, `timing:<routine>:<step>:m` and `:s`,
filled with the couple's own value or the script's. Saving sends only the steps that
differ from the script to PATCH /api/v1/settings, which checks them as before (5 to
3600 s a step, the break in whole minutes, the debrief still ten minutes in all).
"""

from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from intents.names import ROUTINES
from server.routines.language import script
from server.routines.timings import script_timings
from server.routines.titles import script_step, step_title

PREFIX = "timing:"
PARTNER_SLOTS = {"first": 0, "second": 1}


def timing_rows(locale: str, mine: Any = None) -> list[dict[str, Any]]:
    """[{"routine", "total", "steps": [{"id", "title", "slot", "default", "value", "m", "s", "whole_minutes"}]}]."""
    mine = mine if isinstance(mine, Mapping) else {}
    out = []
    for routine in ROUTINES:
        spec = script(routine, locale)
        own = mine.get(routine) if isinstance(mine.get(routine), Mapping) else {}
        steps = []
        for step_id, default in script_timings(spec).items():
            step = script_step(routine, step_id, locale) or {}
            value = own.get(step_id, default)
            seconds = int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else int(default)
            steps.append({"id": step_id, "title": step_title(routine, step_id, locale),
                          "slot": PARTNER_SLOTS.get(step.get("partner")), "default": int(default),
                          "value": seconds, "m": seconds // 60, "s": seconds % 60,
                          "whole_minutes": step.get("kind") == "wait"})
        out.append({"routine": routine, "total": spec.get("total_s"), "steps": steps})
    return out


def submitted(form: Mapping[str, str]) -> bool:
    return any(key.startswith(PREFIX) for key in form)


def _number(raw: str) -> int | str | None:
    raw = raw.strip()
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 7 else raw


def form_timings(form: Mapping[str, str], locale: str) -> dict[str, Any]:
    """{routine: {step: seconds}} for the steps whose submitted time differs from the script's.

    A field that is not a whole number is passed on as typed, so the settings check names it.
    """
    out: dict[str, Any] = {}
    for row in timing_rows(locale):
        for step in row["steps"]:
            key = f"{PREFIX}{row['routine']}:{step['id']}"
            minutes, seconds = _number(form.get(key + ":m", "")), _number(form.get(key + ":s", ""))
            if minutes is None and seconds is None:
                continue
            if isinstance(minutes, str) or isinstance(seconds, str):
                typed = (form.get(key + ":m", "").strip(), form.get(key + ":s", "").strip())
                value: Any = " ".join(f"{v} {unit}" for v, unit in zip(typed, ("min", "s")) if v)
            else:
                value = (minutes or 0) * 60 + (seconds or 0)
                if value == step["default"]:
                    continue
            out.setdefault(row["routine"], {})[step["id"]] = value
    return out


def readable(message: str, locale: str, names: Sequence[str], labels: Mapping[str, str]) -> str:
    """A settings error with step ids in words: "debrief.win.1: ..." -> "Nightly debrief, A small win (Alex): ..."."""
    def words(match: re.Match) -> str:
        routine, step_id = match.group(1), match.group(2)
        step = script_step(routine, step_id, locale) or {}
        slot = PARTNER_SLOTS.get(step.get("partner"))
        who = f" ({names[slot]})" if slot is not None and slot < len(names) else ""
        return f"{labels.get(routine, routine)}, {step_title(routine, step_id, locale)}{who}"
    routines = "|".join(ROUTINES)
    message = re.sub(r"^'routine_timings': ", "", message)  # the page already names the setting
    message = re.sub(r"\b(%s)\.([a-z_]+(?:\.\d+)?)\b" % routines, words, message)
    return re.sub(r"(^|; |: )(%s):" % routines, lambda m: f"{m.group(1)}{labels.get(m.group(2), m.group(2))}:", message)
