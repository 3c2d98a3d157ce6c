"""Short titles of routine steps for people to read (server/data/<locale>/titles.yaml).

A step is titled by its prompt key ("debrief.appreciation" -> "Appreciations"); a step
expanded at start ("promises.12", one per open promise) by the script step it came from.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping

from server.routines.language import _flatten, locale_yaml, script


@lru_cache(maxsize=8)
def titles(locale: str = "en") -> dict[str, str]:
    return _flatten(locale_yaml(locale, "titles.yaml"))


def title_key(routine: str, step: Mapping[str, Any]) -> str:
    return str(step.get("prompt") or f"{routine}.{step['id']}")


def script_step(routine: str, step_id: str, locale: str = "en") -> Mapping[str, Any] | None:
    """The script step a (possibly expanded) step id comes from, or None."""
    steps = script(routine, locale)["steps"]
    for candidate in (step_id, step_id.split(".")[0]):
        for step in steps:
            if str(step["id"]) == candidate:
                return step
    return None


def step_title(routine: str | None, step_id: str | None, locale: str = "en") -> str:
    """The step's short title; an unknown routine or step gets a readable form of its id."""
    if not step_id:
        return ""
    step = None
    if routine:
        try:
            step = script_step(routine, step_id, locale)
        except (FileNotFoundError, KeyError, ValueError):
            step = None
    if step is not None:
        found = titles(locale).get(title_key(routine, step))
        if found:
            return found
    return step_id.split(".")[0].replace("_", " ").capitalize()
